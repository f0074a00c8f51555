//! The translation catalogues (`locales/*.yml`) are read by rust-i18n's `i18n!` macro at compile
//! time, which cargo does not track: this makes a change to them rebuild the crate.
fn main() {
    println!("cargo:rerun-if-changed=locales");
}
