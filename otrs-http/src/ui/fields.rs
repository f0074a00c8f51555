//! URL-encoded fields (form bodies and query strings), with repeated keys kept in order.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;

use crate::error::ApiError;
use crate::i18n::Language;
use crate::tr;

/// The fields of a form body or a query string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// Parses `a=1&b=2&a=3`.
    pub fn parse(bytes: &[u8]) -> Fields {
        Fields(
            form_urlencoded::parse(bytes)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The first value of a key.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of a key, trimmed, or "".
    pub fn text(&self, key: &str) -> String {
        self.get(key).map(str::trim).unwrap_or_default().to_owned()
    }

    /// Every value of a key, in order.
    pub fn all(&self, key: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// True when the key is present with a non-empty value.
    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some_and(|v| !v.is_empty())
    }

    /// A number, or an error naming the field.
    pub fn number<T: std::str::FromStr>(&self, key: &str) -> Result<Option<T>, ApiError> {
        match self.get(key).map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|_| ApiError::invalid(key, format!("{v:?} is not a number"))),
        }
    }

    /// The fields as a query string.
    pub fn encode(&self) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.0 {
            out.append_pair(k, v);
        }
        out.finish()
    }

    /// These fields without the given keys.
    pub fn without(&self, keys: &[&str]) -> Fields {
        Fields(
            self.0
                .iter()
                .filter(|(k, _)| !keys.contains(&k.as_str()))
                .cloned()
                .collect(),
        )
    }
}

/// The query string of a request.
#[derive(Debug, Clone, Default)]
pub struct QueryFields(pub Fields);

impl<S: Send + Sync> FromRequestParts<S> for QueryFields {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(QueryFields(Fields::parse(
            parts.uri.query().unwrap_or("").as_bytes(),
        )))
    }
}

/// A URL-encoded form body.
#[derive(Debug, Clone, Default)]
pub struct FormFields(pub Fields);

impl<S: Send + Sync> FromRequest<S> for FormFields {
    type Rejection = ApiError;

    async fn from_request(req: Request, _: &S) -> Result<Self, ApiError> {
        let lang = Language::negotiate(
            req.headers()
                .get(axum::http::header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
        );
        let bytes = axum::body::to_bytes(req.into_body(), super::MAX_FORM_BYTES)
            .await
            .map_err(|_| {
                ApiError::new(
                    "payload-too-large",
                    tr!(@lang lang, "the form is too large"),
                )
            })?;
        Ok(FormFields(Fields::parse(&bytes)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_repeated_keys_in_order() {
        let f = Fields::parse(b"ids=3&x=%3Cb%3E&ids=1&ids=2");
        assert_eq!(f.all("ids"), ["3", "1", "2"]);
        assert_eq!(f.get("x"), Some("<b>"));
        assert_eq!(f.without(&["ids"]).encode(), "x=%3Cb%3E");
    }

    #[test]
    fn numbers_name_the_field() {
        let f = Fields::parse(b"n=12&bad=x");
        assert_eq!(f.number::<u32>("n").unwrap(), Some(12));
        assert_eq!(f.number::<u32>("none").unwrap(), None);
        let e = f.number::<u32>("bad").unwrap_err();
        assert!(crate::ui::message_of(&e).contains("bad"));
    }
}
