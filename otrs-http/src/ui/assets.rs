//! The interface's own style sheet and script, served under names that carry a hash of their
//! content so that browsers may keep them for a year.

use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

const CSS: &str = include_str!("../../assets/app.css");
const JS: &str = include_str!("../../assets/app.js");

struct Asset {
    name: String,
    body: &'static str,
    content_type: &'static str,
}

fn hashed(stem: &str, ext: &str, body: &'static str, content_type: &'static str) -> Asset {
    let hash = Sha256::digest(body.as_bytes());
    let short: String = hash.iter().take(6).map(|b| format!("{b:02x}")).collect();
    Asset {
        name: format!("{stem}-{short}.{ext}"),
        body,
        content_type,
    }
}

fn assets() -> &'static [Asset; 2] {
    static ASSETS: OnceLock<[Asset; 2]> = OnceLock::new();
    ASSETS.get_or_init(|| {
        [
            hashed("app", "css", CSS, "text/css; charset=utf-8"),
            hashed("app", "js", JS, "text/javascript; charset=utf-8"),
        ]
    })
}

/// The style sheet's URL.
pub(crate) fn css_url() -> String {
    format!("/agent/assets/{}", assets()[0].name)
}

/// The script's URL.
pub(crate) fn js_url() -> String {
    format!("/agent/assets/{}", assets()[1].name)
}

/// Serves an asset by its hashed name (cached for a year) or by its plain name (revalidated).
pub(crate) async fn serve(Path(file): Path<String>, headers: axum::http::HeaderMap) -> Response {
    let found = assets().iter().find(|a| {
        a.name == file || {
            let plain = a.name.split_once('-').map(|(stem, rest)| {
                format!("{stem}.{}", rest.rsplit_once('.').map_or("", |(_, e)| e))
            });
            plain.as_deref() == Some(file.as_str())
        }
    });
    let Some(asset) = found else {
        let lang = crate::i18n::Language::negotiate(
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
        );
        let message = crate::tr!(@lang lang, "No such file.");
        return super::secure(super::error_page(lang, StatusCode::NOT_FOUND, &message));
    };
    let cache = if asset.name == file {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mut response = asset.body.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    super::secure(response)
}
