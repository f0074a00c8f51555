//! Appointments and tickets: the appointment editor's "Linked Tickets" section. A link needs
//! `rw` on the appointment's calendar and `ro` on the ticket; the ticket's history records
//! every link added or removed, and so does the appointment's.

use crate::desk::{Actor, AppointmentInput, Ctx, Desk, read_tx, write_tx};
use crate::error::DeskError;
use crate::ids::{AppointmentId, LinkId, TicketId};
use crate::model::{
    Appointment, AppointmentAction, HistoryType, Link, LinkType, ObjectRef, Permission, Principal,
    Ticket,
};
use crate::store::{Store, StoreTx};

impl<S: Store> Desk<S> {
    /// Loads a ticket an agent may read for linking (customers see no appointments).
    async fn linkable_ticket(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        ticket: TicketId,
    ) -> Result<Ticket, DeskError> {
        let ticket = self.load_ticket(tx, ticket).await?;
        if matches!(ctx.actor, Actor::Customer(_)) {
            return Err(DeskError::not_found("ticket", &ticket.number));
        }
        self.require(tx, ctx, &ticket, Permission::Ro, "link an appointment to")
            .await?;
        Ok(ticket)
    }

    async fn link_ticket_in(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        appointment: AppointmentId,
        ticket: &Ticket,
    ) -> Result<Link, DeskError> {
        let here = ObjectRef::Appointment(appointment);
        let there = ObjectRef::Ticket(ticket.id);
        if tx
            .links_of(here)
            .await?
            .iter()
            .any(|l| l.other_end(here) == there)
        {
            return Err(DeskError::LinkRefused {
                reason: format!(
                    "appointment {appointment} is already linked to ticket {}",
                    ticket.number
                ),
            });
        }
        let link = tx
            .insert_link(&Link {
                id: LinkId(0),
                source: there,
                target: here,
                link_type: LinkType::Normal,
                created_by: ctx.actor.principal(),
                created_at: ctx.now,
            })
            .await?;
        self.add_history(
            tx,
            ctx,
            ticket,
            HistoryType::TicketLinkAdd,
            vec![
                format!("appointment {appointment}"),
                appointment.to_string(),
                LinkType::Normal.name().to_owned(),
            ],
        )
        .await?;
        self.appointment_history_row(
            tx,
            ctx,
            appointment,
            AppointmentAction::TicketLinked,
            format!("linked to ticket {}", ticket.number),
        )
        .await?;
        Ok(link)
    }

    /// Creates an appointment linked to the given tickets, all in one transaction: when a
    /// ticket cannot be linked nothing is created (`rw` on the calendar, `ro` on each ticket).
    pub async fn create_appointment_with_tickets(
        &self,
        actor: Principal,
        input: AppointmentInput,
        tickets: Vec<TicketId>,
    ) -> Result<Appointment, DeskError> {
        write_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            let mut loaded = Vec::with_capacity(tickets.len());
            for id in &tickets {
                loaded.push(self.linkable_ticket(&mut tx, &ctx, *id).await?);
            }
            let appointment = self
                .create_appointment_in(&mut tx, &ctx, &input, "Created")
                .await?;
            for ticket in &loaded {
                self.link_ticket_in(&mut tx, &ctx, appointment.id, ticket)
                    .await?;
            }
            Ok::<_, DeskError>(appointment)
        })
    }

    /// Links an existing appointment to a ticket (`rw` on the calendar, `ro` on the ticket).
    pub async fn link_appointment_ticket(
        &self,
        actor: Principal,
        appointment: AppointmentId,
        ticket: TicketId,
    ) -> Result<Link, DeskError> {
        write_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            self.load_appointment_for(&mut tx, &ctx, appointment, Permission::Rw, "link")
                .await?;
            let ticket = self.linkable_ticket(&mut tx, &ctx, ticket).await?;
            self.link_ticket_in(&mut tx, &ctx, appointment, &ticket)
                .await
        })
    }

    /// Removes the link between an appointment and a ticket (`rw` on the calendar, `ro` on
    /// the ticket).
    pub async fn unlink_appointment_ticket(
        &self,
        actor: Principal,
        appointment: AppointmentId,
        ticket: TicketId,
    ) -> Result<(), DeskError> {
        write_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            self.load_appointment_for(&mut tx, &ctx, appointment, Permission::Rw, "unlink")
                .await?;
            let ticket = self.linkable_ticket(&mut tx, &ctx, ticket).await?;
            let here = ObjectRef::Appointment(appointment);
            let link = tx
                .links_of(here)
                .await?
                .into_iter()
                .find(|l| l.other_end(here) == ObjectRef::Ticket(ticket.id))
                .ok_or_else(|| {
                    DeskError::not_found(
                        "link",
                        format!("appointment {appointment} – ticket {}", ticket.number),
                    )
                })?;
            tx.delete_link(link.id).await?;
            self.add_history(
                &mut tx,
                &ctx,
                &ticket,
                HistoryType::TicketLinkDelete,
                vec![
                    format!("appointment {appointment}"),
                    appointment.to_string(),
                    LinkType::Normal.name().to_owned(),
                ],
            )
            .await?;
            Ok::<_, DeskError>(())
        })
    }

    /// The tickets linked to an appointment that the actor may read, by id.
    pub async fn appointment_tickets(
        &self,
        actor: Principal,
        appointment: AppointmentId,
    ) -> Result<Vec<Ticket>, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            self.load_appointment_for(&mut tx, &ctx, appointment, Permission::Ro, "read")
                .await?;
            let here = ObjectRef::Appointment(appointment);
            let mut out = Vec::new();
            for link in tx.links_of(here).await? {
                let Some(id) = link.other_end(here).ticket() else {
                    continue;
                };
                if let Some(ticket) = tx.ticket(id).await?
                    && self.may(&mut tx, &ctx, &ticket, Permission::Ro).await?
                {
                    out.push(ticket);
                }
            }
            out.sort_by_key(|t| t.id);
            Ok(out)
        })
    }
}
