//! Agent avatars: an uploaded picture (PNG, JPEG, GIF or WebP, at most [`MAX_AVATAR_BYTES`]) kept
//! in the agent's preferences, or the initials when there is none.
//!
//! The picture's type is read from its first bytes, never from what the browser claims, and SVG
//! is refused (it can carry script). Pictures are served from `/agent/avatars/{id}` with that
//! sniffed type, `nosniff`, and a version in the URL so that a new upload is seen at once.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use maud::{Markup, html};
use otrs_core::desk::AgentUpdate;
use otrs_core::ids::AgentId;
use otrs_core::model::Agent;
use otrs_core::store::Store;
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::i18n::Language;
use crate::state::AppState;
use crate::tr;
use crate::ui::upload::Upload;
use crate::ui::{UiCtx, see_other};

/// The preference holding the avatar: `<mime>;<base64>`.
pub const AVATAR_PREFERENCE: &str = "avatar";

/// The largest picture accepted (it travels with the agent's preferences, so it stays small).
pub const MAX_AVATAR_BYTES: usize = 48 * 1024;

/// The image types accepted, by their leading bytes.
fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// Checks an uploaded picture and encodes it as the preference value (problems told in `lang`).
pub fn encode(bytes: &[u8], lang: Language) -> Result<String, ApiError> {
    if bytes.is_empty() {
        return Err(no_picture(lang));
    }
    if bytes.len() > MAX_AVATAR_BYTES {
        return Err(ApiError::invalid(
            "avatar",
            tr!(@lang lang,
                "the picture has %{size} KiB; at most %{max} KiB are allowed",
                size = bytes.len().div_ceil(1024),
                max = MAX_AVATAR_BYTES / 1024
            ),
        ));
    }
    let Some(mime) = sniff(bytes) else {
        return Err(ApiError::invalid(
            "avatar",
            tr!(@lang lang, "the file is not a PNG, JPEG, GIF or WebP picture"),
        ));
    };
    Ok(format!("{mime};{}", STANDARD.encode(bytes)))
}

fn no_picture(lang: Language) -> ApiError {
    ApiError::invalid("avatar", tr!(@lang lang, "choose a picture to upload"))
}

/// The type and bytes of a stored avatar (`None` when none is set or the value is damaged).
pub fn decode(value: &str) -> Option<(&'static str, Vec<u8>)> {
    let (_, data) = value.split_once(';')?;
    let bytes = STANDARD.decode(data).ok()?;
    Some((sniff(&bytes)?, bytes))
}

/// The URL of an agent's picture (with a version), or `None` when the agent has none.
pub fn url_of(agent: &Agent) -> Option<String> {
    let value = agent.preferences.get(AVATAR_PREFERENCE)?;
    if value.is_empty() {
        return None;
    }
    let digest = Sha256::digest(value.as_bytes());
    let version: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    Some(format!("/agent/avatars/{}?v={version}", agent.id.0))
}

/// The agent's initials (or the first letters of the login).
pub fn initials(agent: &Agent) -> String {
    let mut out: String = agent
        .first_name
        .chars()
        .take(1)
        .chain(agent.last_name.chars().take(1))
        .collect();
    if out.is_empty() {
        out = agent.login.chars().take(2).collect();
    }
    out.to_uppercase()
}

/// The avatar of an agent: the picture, or the initials.
pub fn badge(agent: &Agent, label: &str) -> Markup {
    match url_of(agent) {
        Some(url) => {
            html! { img.avatar src=(url) alt=(label) title=(agent.full_name()) width="32" height="32"; }
        }
        None => {
            html! { span.avatar title=(agent.full_name()) aria-label=(label) { (initials(agent)) } }
        }
    }
}

/// `GET /agent/avatars/{id}`: an agent's picture (any signed-in agent may see it).
pub(crate) async fn serve<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(id): Path<String>,
) -> Response {
    let not_found = || (StatusCode::NOT_FOUND, "no such avatar").into_response();
    let Ok(id) = id.parse::<u64>() else {
        return not_found();
    };
    let agent = if id == ctx.agent.id.0 {
        ctx.agent.clone()
    } else {
        match state.desk().agent(ctx.principal(), AgentId(id)).await {
            Ok(agent) => agent,
            Err(_) => return not_found(),
        }
    };
    let Some((mime, bytes)) = agent
        .preferences
        .get(AVATAR_PREFERENCE)
        .and_then(|v| decode(v))
    else {
        return not_found();
    };
    let mut response = (StatusCode::OK, bytes).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    // The URL carries a version, so the picture may be kept; it is private to signed-in agents.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=86400"),
    );
    response
}

/// `POST /agent/preferences/avatar`: uploads (field `avatar`) or removes (`remove=1`) the picture.
pub(crate) async fn save<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    upload: Result<Upload, ApiError>,
) -> Response {
    let value = match upload {
        Err(e) => Err(e),
        Ok(upload) if upload.fields.has("remove") => Ok(String::new()),
        Ok(upload) => match upload.files.iter().find(|f| f.field == "avatar") {
            Some(file) => encode(&file.bytes, ctx.lang),
            None => Err(no_picture(ctx.lang)),
        },
    };
    let result = match value {
        Ok(value) => state
            .desk()
            .update_agent(
                ctx.principal(),
                ctx.agent.id,
                AgentUpdate {
                    preferences: [(AVATAR_PREFERENCE.to_owned(), value)].into(),
                    ..AgentUpdate::default()
                },
            )
            .await
            .map(|_| ())
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => see_other("/agent/preferences?saved=1"),
        Err(e) => super::preferences::render_error(&state, &ctx, &e).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    #[test]
    fn accepts_pictures_by_their_bytes_and_round_trips() {
        let value = encode(PNG, Language::English).unwrap();
        assert!(value.starts_with("image/png;"));
        assert_eq!(decode(&value), Some(("image/png", PNG.to_vec())));
        assert_eq!(sniff(b"GIF89a..."), Some("image/gif"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
    }

    #[test]
    fn refuses_svg_text_empty_and_oversized_files_naming_the_field() {
        for bad in [
            b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>".to_vec(),
            b"just text".to_vec(),
            Vec::new(),
            [PNG, &vec![0u8; MAX_AVATAR_BYTES]].concat(),
        ] {
            let e = encode(&bad, Language::English).unwrap_err();
            assert!(crate::ui::message_of(&e).contains("avatar"), "{e:?}");
            let e = encode(&bad, Language::German).unwrap_err();
            assert!(
                crate::ui::message_of(&e).contains("Bild"),
                "told in German: {e:?}"
            );
        }
    }

    #[test]
    fn a_damaged_value_is_no_avatar() {
        assert_eq!(decode("image/png;***"), None);
        assert_eq!(decode("image/png;dGV4dA=="), None);
        assert_eq!(decode(""), None);
    }
}
