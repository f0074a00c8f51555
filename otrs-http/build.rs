//! The translation catalogues (`locales/*.yml`) are read by rust-i18n's `i18n!` macro at compile
//! time, which cargo does not track: the build script watches them and hands the crate a stamp of
//! their contents (`OTRS_LOCALES_STAMP`), so an edited catalogue recompiles it.
use std::hash::{DefaultHasher, Hash, Hasher};

fn main() {
    println!("cargo:rerun-if-changed=locales");
    let mut files: Vec<_> = std::fs::read_dir("locales")
        .expect("the locales directory")
        .map(|e| e.expect("a locales entry").path())
        .collect();
    files.sort();
    let mut hasher = DefaultHasher::new();
    for file in files {
        file.hash(&mut hasher);
        std::fs::read(&file)
            .expect("a catalogue file")
            .hash(&mut hasher);
    }
    println!("cargo:rustc-env=OTRS_LOCALES_STAMP={:x}", hasher.finish());
}
