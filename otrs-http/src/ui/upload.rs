//! `multipart/form-data` bodies of UI forms (file uploads): the text fields and the files.
//!
//! Parsing is done by the `multer` crate (the parser axum's own multipart support is built on);
//! the body is read whole first, under the guard's form limit, because the guard has already
//! read it to find the CSRF token.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;

use crate::error::ApiError;
use crate::i18n::Language;
use crate::tr;
use crate::ui::fields::Fields;

/// One uploaded file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadedFile {
    /// The form field it came in.
    pub field: String,
    /// The file name the browser sent (without any path).
    pub file_name: String,
    /// The content type the browser sent (`application/octet-stream` when none).
    pub content_type: String,
    /// The content.
    pub bytes: Vec<u8>,
}

/// A parsed `multipart/form-data` body: its text fields and its files (empty file inputs are
/// left out).
#[derive(Debug, Clone, Default)]
pub struct Upload {
    /// The text fields, in order.
    pub fields: Fields,
    /// The files, in order.
    pub files: Vec<UploadedFile>,
}

/// The boundary of a `multipart/form-data` content type, or `None` for any other type.
pub(crate) fn boundary_of(content_type: Option<&str>) -> Option<String> {
    let content_type = content_type?;
    let mime = content_type.split(';').next()?.trim();
    if !mime.eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    multer::parse_boundary(content_type).ok()
}

impl Upload {
    /// Parses a whole body with the given boundary.
    pub(crate) async fn parse(bytes: Bytes, boundary: String) -> Result<Upload, ApiError> {
        let stream = futures_util::stream::once(async move { Ok::<Bytes, std::io::Error>(bytes) });
        let mut multipart = multer::Multipart::new(stream, boundary);
        let mut upload = Upload::default();
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => break,
                Err(e) => return Err(malformed(&e)),
            };
            let name = field.name().unwrap_or_default().to_owned();
            let file_name = field.file_name().map(base_name);
            let content_type = field.content_type().map_or_else(
                || "application/octet-stream".to_owned(),
                ToString::to_string,
            );
            let data = field.bytes().await.map_err(|e| malformed(&e))?;
            match file_name {
                // A file input left empty arrives as a part with an empty file name.
                Some(file_name) if file_name.is_empty() && data.is_empty() => {}
                Some(file_name) => upload.files.push(UploadedFile {
                    field: name,
                    file_name,
                    content_type,
                    bytes: data.to_vec(),
                }),
                None => {
                    let text = String::from_utf8(data.to_vec()).map_err(|_| {
                        ApiError::invalid(&name, "the field is not valid UTF-8 text")
                    })?;
                    upload.fields.0.push((name, text));
                }
            }
        }
        Ok(upload)
    }
}

fn malformed(error: &multer::Error) -> ApiError {
    ApiError::new(
        "bad-request",
        format!("the uploaded form could not be read: {error}"),
    )
}

/// The last path segment of a browser-sent file name (some browsers send `C:\…\name`).
fn base_name(name: &str) -> String {
    name.rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned()
}

impl<S: Send + Sync> FromRequest<S> for Upload {
    type Rejection = ApiError;

    async fn from_request(req: Request, _: &S) -> Result<Self, ApiError> {
        let lang = Language::negotiate(
            req.headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
        );
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let Some(boundary) = boundary_of(content_type.as_deref()) else {
            return Err(ApiError::new(
                "unsupported-media-type",
                tr!(@lang lang, "this form must be sent as multipart/form-data"),
            ));
        };
        let bytes = axum::body::to_bytes(req.into_body(), super::MAX_FORM_BYTES)
            .await
            .map_err(|_| too_large(lang))?;
        Upload::parse(bytes, boundary).await
    }
}

/// The error for a form over the UI's limit.
pub(crate) fn too_large(lang: Language) -> ApiError {
    ApiError::new(
        "payload-too-large",
        tr!(@lang lang,
            "the form is too large: uploads may hold at most %{size} MiB in all",
            size = super::MAX_FORM_BYTES >> 20
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(parts: &[(&str, Option<&str>, &[u8])]) -> Bytes {
        let mut out = Vec::new();
        for (name, file, data) in parts {
            out.extend_from_slice(b"--XyZ\r\n");
            match file {
                Some(f) => out.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: image/png\r\n\r\n").as_bytes(),
                ),
                None => out.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
                ),
            }
            out.extend_from_slice(data);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"--XyZ--\r\n");
        Bytes::from(out)
    }

    #[tokio::test]
    async fn splits_fields_and_files_and_drops_empty_file_inputs() {
        let b = body(&[
            ("csrf_token", None, b"t0k"),
            ("avatar", Some("C:\\Users\\me\\face.png"), b"\x89PNG"),
            ("other", Some(""), b""),
        ]);
        let upload = Upload::parse(b, "XyZ".into()).await.unwrap();
        assert_eq!(upload.fields.get("csrf_token"), Some("t0k"));
        assert_eq!(upload.files.len(), 1);
        assert_eq!(upload.files[0].file_name, "face.png");
        assert_eq!(upload.files[0].content_type, "image/png");
        assert_eq!(upload.files[0].bytes, b"\x89PNG");
    }

    #[tokio::test]
    async fn a_broken_body_is_a_clear_error() {
        let e = Upload::parse(Bytes::from_static(b"--XyZ\r\nnonsense"), "XyZ".into())
            .await
            .unwrap_err();
        assert!(crate::ui::message_of(&e).contains("could not be read"));
    }

    #[test]
    fn only_multipart_types_have_a_boundary() {
        assert_eq!(
            boundary_of(Some("multipart/form-data; boundary=abc")).as_deref(),
            Some("abc")
        );
        assert_eq!(boundary_of(Some("application/x-www-form-urlencoded")), None);
        assert_eq!(boundary_of(None), None);
    }
}
