//! Fuzz target: any input parses to a tree or an error, never panics or
//! hangs; parsed trees print to text that parses back to the same tree, and
//! compiling against the corpus schema never panics either.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Bound the work per input: long inputs only slow the fuzzer down.
    if data.len() > 512 {
        return;
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    pest::set_call_limit(std::num::NonZeroUsize::new(200_000));
    if let Ok(ast) = otrs_query::parse(text) {
        let printed = ast.to_string();
        assert_eq!(
            otrs_query::parse(&printed).ok(),
            Some(ast),
            "printed as {printed:?}"
        );
    }
    let _ = otrs_query::parse_and_compile(text, &otrs_query::Schema::corpus());
    let _ = otrs_query::parser::parse_lenient(text);
});
