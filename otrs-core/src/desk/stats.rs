//! Statistics: the use cases over [`crate::stats`].
//!
//! Agents with `ro` (or more) on the `stats` group see and run the statistics whose permission
//! groups they are in; agents with `rw` on `stats` (stats admins) see and run all of them and
//! create, change, delete, import and preview them.

use crate::error::{DeskError, ValidationErrors};
use crate::ids::AgentId;
use crate::model::{Agent, Principal};
use crate::stats::engine::{self, Catalog};
use crate::stats::preinstalled::preinstalled;
use crate::stats::{
    ElementValue, RunOptions, StatDefinition, StatFormat, StatKind, StatSettings, StatTable,
    is_stats_admin, may_run, may_use_stats, xml,
};
use crate::store::{Store, StoreTx};

use super::{Actor, Ctx, Desk, check_expected_version, read_tx, write_tx};

/// The first number given to a statistic created on the desk.
pub const FIRST_STAT_NUMBER: u32 = 10001;

impl<S: Store> Desk<S> {
    pub(super) fn stats_agent<'a>(
        ctx: &'a Ctx,
        action: &'static str,
        object: &str,
    ) -> Result<&'a Agent, DeskError> {
        match &ctx.actor {
            Actor::Agent(a) if may_use_stats(a) || a.id == AgentId::SYSTEM => Ok(a),
            _ => Err(DeskError::PermissionDenied {
                actor: ctx.actor.describe(),
                action,
                object: object.to_owned(),
                reason: "needs ro on the stats group".into(),
            }),
        }
    }

    pub(super) fn require_stats_admin(
        ctx: &Ctx,
        action: &'static str,
        object: &str,
    ) -> Result<(), DeskError> {
        match &ctx.actor {
            Actor::Agent(a) if is_stats_admin(a) => Ok(()),
            _ => Err(DeskError::PermissionDenied {
                actor: ctx.actor.describe(),
                action,
                object: object.to_owned(),
                reason: "needs rw on the stats group".into(),
            }),
        }
    }

    pub(super) async fn load_stat(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        number: u32,
        action: &'static str,
    ) -> Result<StatDefinition, DeskError> {
        let object = format!("statistic {number}");
        let agent = Self::stats_agent(ctx, action, &object)?;
        let stat = tx
            .stats()
            .await?
            .into_iter()
            .find(|s| s.number == number)
            .ok_or_else(|| DeskError::not_found("statistic", number))?;
        if !may_run(agent, &stat.settings) {
            // Statistics outside the agent's groups are not shown, so they are not found either.
            return Err(DeskError::not_found("statistic", number));
        }
        Ok(stat)
    }

    /// The statistics the agent may see, by number.
    pub async fn stats(&self, actor: Principal) -> Result<Vec<StatDefinition>, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            let agent = Self::stats_agent(&ctx, "list", "statistics")?;
            Ok(tx
                .stats()
                .await?
                .into_iter()
                .filter(|s| may_run(agent, &s.settings))
                .collect())
        })
    }

    /// One statistic by its number.
    pub async fn stat(&self, actor: Principal, number: u32) -> Result<StatDefinition, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            self.load_stat(&mut tx, &ctx, number, "read").await
        })
    }

    /// Checks settings against the rules and the catalogue (groups, queues, states, agents).
    async fn check_stat_settings(
        &self,
        tx: &mut S::Tx,
        settings: &StatSettings,
    ) -> Result<(), DeskError> {
        let mut errors: ValidationErrors = settings.validate();
        let groups = tx.groups().await?;
        for g in &settings.permission_groups {
            if !groups.iter().any(|x| x.id == *g) {
                errors.add("permission_groups", format!("group {g} does not exist"));
            }
        }
        let catalog = Catalog::load(tx).await?;
        let elements: Vec<(String, &ElementValue)> = match &settings.kind {
            StatKind::Matrix { x, y, filters } => std::iter::once(("x".to_owned(), &x.value))
                .chain(
                    y.iter()
                        .enumerate()
                        .map(|(i, e)| (format!("y[{i}]"), &e.value)),
                )
                .chain(
                    filters
                        .iter()
                        .enumerate()
                        .map(|(i, f)| (format!("filters[{i}]"), &f.value)),
                )
                .collect(),
            StatKind::List { filters, .. } => filters
                .iter()
                .enumerate()
                .map(|(i, f)| (format!("filters[{i}]"), &f.value))
                .collect(),
            StatKind::Static(_) => Vec::new(),
        };
        for (field, value) in elements {
            check_references(&mut errors, &field, value, &catalog);
        }
        errors.into_result()
    }

    /// Creates a statistic (stats admins). It gets the next free number.
    pub async fn create_stat(
        &self,
        actor: Principal,
        settings: StatSettings,
    ) -> Result<StatDefinition, DeskError> {
        write_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            Self::require_stats_admin(&ctx, "create", "statistics")?;
            self.check_stat_settings(&mut tx, &settings).await?;
            let number = tx
                .stats()
                .await?
                .iter()
                .map(|s| s.number + 1)
                .max()
                .unwrap_or(FIRST_STAT_NUMBER)
                .max(FIRST_STAT_NUMBER);
            let author = ctx.actor.agent().map_or(AgentId::SYSTEM, |a| a.id);
            Ok::<_, DeskError>(
                tx.insert_stat(&StatDefinition {
                    id: crate::ids::StatId(0),
                    number,
                    settings: settings.clone(),
                    created_by: author,
                    created_at: ctx.now,
                    changed_at: ctx.now,
                    version: 0,
                })
                .await?,
            )
        })
    }

    /// Replaces a statistic's settings (stats admins); `expected_version` is the caller's
    /// `If-Match`.
    pub async fn update_stat(
        &self,
        actor: Principal,
        number: u32,
        settings: StatSettings,
        expected_version: Option<u64>,
    ) -> Result<StatDefinition, DeskError> {
        write_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            Self::require_stats_admin(&ctx, "change", &format!("statistic {number}"))?;
            let stat = self.load_stat(&mut tx, &ctx, number, "change").await?;
            check_expected_version(
                || format!("statistic {number}"),
                expected_version,
                stat.version,
            )?;
            self.check_stat_settings(&mut tx, &settings).await?;
            Ok::<_, DeskError>(
                tx.update_stat(&StatDefinition {
                    settings: settings.clone(),
                    changed_at: ctx.now,
                    ..stat
                })
                .await?,
            )
        })
    }

    /// Deletes a statistic (stats admins).
    pub async fn delete_stat(&self, actor: Principal, number: u32) -> Result<(), DeskError> {
        write_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            Self::require_stats_admin(&ctx, "delete", &format!("statistic {number}"))?;
            let stat = self.load_stat(&mut tx, &ctx, number, "delete").await?;
            Ok::<_, DeskError>(tx.delete_stat(stat.id).await?)
        })
    }

    /// Runs a statistic in a format, with run-time changes to the elements that allow them.
    pub async fn run_stat(
        &self,
        actor: Principal,
        number: u32,
        format: StatFormat,
        options: RunOptions,
    ) -> Result<StatTable, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            let stat = self.load_stat(&mut tx, &ctx, number, "run").await?;
            if !stat.settings.valid {
                return Err(DeskError::NotAllowed {
                    object: format!("statistic {number}"),
                    reason: "is invalid and cannot be run".into(),
                });
            }
            if format != StatFormat::Table && !stat.settings.formats.contains(&format) {
                return Err(DeskError::NotAllowed {
                    object: format!("statistic {number}"),
                    reason: format!("is not available as {}", format.name()),
                });
            }
            engine::run(&mut tx, &stat, &options, ctx.now).await
        })
    }

    /// Runs unsaved settings, for the live preview while a statistic is created (stats admins).
    pub async fn preview_stat(
        &self,
        actor: Principal,
        settings: StatSettings,
    ) -> Result<StatTable, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            Self::require_stats_admin(&ctx, "preview", "statistics")?;
            self.check_stat_settings(&mut tx, &settings).await?;
            let stat = StatDefinition {
                id: crate::ids::StatId(0),
                number: 0,
                settings: settings.clone(),
                created_by: AgentId::SYSTEM,
                created_at: ctx.now,
                changed_at: ctx.now,
                version: 0,
            };
            engine::run(&mut tx, &stat, &RunOptions::default(), ctx.now).await
        })
    }

    /// A statistic's definition as XML.
    pub async fn export_stat(&self, actor: Principal, number: u32) -> Result<String, DeskError> {
        let stat = self.stat(actor, number).await?;
        Ok(xml::to_xml(&stat.settings))
    }

    /// Creates a statistic from XML written by [`Desk::export_stat`] (stats admins).
    pub async fn import_stat(
        &self,
        actor: Principal,
        xml_text: &str,
    ) -> Result<StatDefinition, DeskError> {
        let settings = xml::from_xml(xml_text)?;
        self.create_stat(actor, settings).await
    }

    /// Adds the pre-installed statistics that are missing (by number); part of `initialize`.
    pub(crate) async fn seed_stats_tx(&self, tx: &mut S::Tx) -> Result<bool, DeskError> {
        let existing = tx.stats().await?;
        let now = self.now();
        let mut added = false;
        for (number, settings) in preinstalled() {
            if existing.iter().any(|s| s.number == number) {
                continue;
            }
            tx.insert_stat(&StatDefinition {
                id: crate::ids::StatId(0),
                number,
                settings,
                created_by: AgentId::SYSTEM,
                created_at: now,
                changed_at: now,
                version: 0,
            })
            .await?;
            added = true;
        }
        Ok(added)
    }
}

fn check_references(errors: &mut ValidationErrors, field: &str, value: &ElementValue, c: &Catalog) {
    let mut missing =
        |what: &str, id: u64| errors.add(field, format!("{what} {id} does not exist"));
    match value {
        ElementValue::Queue(ids) => {
            for id in ids
                .iter()
                .filter(|id| !c.queues.iter().any(|q| q.id == **id))
            {
                missing("queue", id.0);
            }
        }
        ElementValue::State(ids) => {
            for id in ids
                .iter()
                .filter(|id| !c.states.iter().any(|s| s.id == **id))
            {
                missing("state", id.0);
            }
        }
        ElementValue::Owner(ids) | ElementValue::Responsible(ids) => {
            for id in ids
                .iter()
                .filter(|id| !c.agents.iter().any(|a| a.id == **id))
            {
                missing("agent", id.0);
            }
        }
        _ => {}
    }
}
