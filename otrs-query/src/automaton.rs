//! Finite automata over the characters of a term: wildcard patterns, Lucene
//! regular expressions (with intersection and complement) and Levenshtein
//! (optimal string alignment) balls, compiled to one deterministic automaton
//! type, [`CharDfa`].
//!
//! Construction: a Thompson NFA over code-point ranges, subset construction
//! over the partition of the code-point space induced by those ranges.
//! Intersection and complement determinize their operands and build the
//! product or the flipped complete automaton.  The number of deterministic
//! states is capped ([`MAX_STATES`], as Lucene's `maxDeterminizedStates`).

use std::collections::HashMap;

/// Largest number of deterministic states one pattern may need.
pub const MAX_STATES: usize = 10_000;

const MAX_CHAR: u32 = 0x10FFFF;

/// A regular pattern over characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pattern {
    /// The empty language (`#`).
    Empty,
    /// Exactly this string.
    Literal(String),
    /// Any single character (`.`, `?`).
    AnyChar,
    /// Any string (`@`, `*`).
    AnyString,
    /// One character from inclusive code-point ranges.
    CharSet(Vec<(u32, u32)>),
    /// Concatenation.
    Concat(Vec<Pattern>),
    /// Union.
    Union(Vec<Pattern>),
    /// Intersection.
    Intersect(Box<Pattern>, Box<Pattern>),
    /// Complement (over all strings).
    Complement(Box<Pattern>),
    /// Between `min` and `max` (unbounded when `None`) repetitions.
    Repeat(Box<Pattern>, u32, Option<u32>),
    /// Decimal numbers in `min..=max`; exactly `digits` digits when non-zero, otherwise any leading zeros.
    Interval(u32, u32, usize),
}

/// A deterministic automaton over characters.
#[derive(Debug, Clone)]
pub struct CharDfa {
    /// Starts of the character classes; `bounds[0] == 0`.
    bounds: Vec<u32>,
    /// `trans[state * classes + class]`.
    trans: Vec<u32>,
    accept: Vec<bool>,
    /// States from which an accepting state is reachable.
    live: Vec<bool>,
    start: u32,
}

#[derive(Default)]
struct Nfa {
    /// Per state: (lo, hi, target).
    trans: Vec<Vec<(u32, u32, u32)>>,
    eps: Vec<Vec<u32>>,
}

impl Nfa {
    fn state(&mut self) -> u32 {
        self.trans.push(Vec::new());
        self.eps.push(Vec::new());
        (self.trans.len() - 1) as u32
    }

    fn edge(&mut self, from: u32, lo: u32, hi: u32, to: u32) {
        self.trans[from as usize].push((lo, hi, to));
    }

    fn eps(&mut self, from: u32, to: u32) {
        self.eps[from as usize].push(to);
    }

    fn check(&self) -> Result<(), String> {
        if self.trans.len() > MAX_STATES * 20 {
            Err("the pattern is too complex".into())
        } else {
            Ok(())
        }
    }

    /// Adds `p` between fresh states; returns (start, end).
    fn build(&mut self, p: &Pattern) -> Result<(u32, u32), String> {
        self.check()?;
        let s = self.state();
        let e = self.state();
        match p {
            Pattern::Empty => {}
            Pattern::Literal(text) => {
                let mut cur = s;
                for c in text.chars() {
                    let n = self.state();
                    self.edge(cur, c as u32, c as u32, n);
                    cur = n;
                }
                self.eps(cur, e);
            }
            Pattern::AnyChar => self.edge(s, 0, MAX_CHAR, e),
            Pattern::AnyString => {
                self.eps(s, e);
                self.edge(e, 0, MAX_CHAR, e);
            }
            Pattern::CharSet(ranges) => {
                for &(lo, hi) in ranges {
                    if lo <= hi {
                        self.edge(s, lo, hi.min(MAX_CHAR), e);
                    }
                }
            }
            Pattern::Concat(items) => {
                let mut cur = s;
                for item in items {
                    let (a, b) = self.build(item)?;
                    self.eps(cur, a);
                    cur = b;
                }
                self.eps(cur, e);
            }
            Pattern::Union(items) => {
                for item in items {
                    let (a, b) = self.build(item)?;
                    self.eps(s, a);
                    self.eps(b, e);
                }
            }
            Pattern::Repeat(inner, min, max) => {
                let mut cur = s;
                for _ in 0..*min {
                    let (a, b) = self.build(inner)?;
                    self.eps(cur, a);
                    cur = b;
                }
                match max {
                    None => {
                        let (a, b) = self.build(inner)?;
                        self.eps(cur, a);
                        self.eps(b, a);
                        self.eps(b, e);
                        self.eps(cur, e);
                    }
                    Some(max) => {
                        if max < min {
                            // Lucene: an inverted repeat is the empty language.
                            return Ok((s, e));
                        }
                        self.eps(cur, e);
                        for _ in *min..*max {
                            let (a, b) = self.build(inner)?;
                            self.eps(cur, a);
                            self.eps(b, e);
                            cur = b;
                        }
                    }
                }
            }
            Pattern::Intersect(a, b) => {
                let da = CharDfa::from_pattern(a)?;
                let db = CharDfa::from_pattern(b)?;
                let d = da.product(&db)?;
                self.embed(&d, s, e);
            }
            Pattern::Complement(a) => {
                let d = CharDfa::from_pattern(a)?.complement();
                self.embed(&d, s, e);
            }
            Pattern::Interval(min, max, digits) => {
                let p = interval_pattern(*min, *max, *digits);
                let (a, b) = self.build(&p)?;
                self.eps(s, a);
                self.eps(b, e);
            }
        }
        Ok((s, e))
    }

    /// Copies a DFA between `s` and `e`.
    fn embed(&mut self, d: &CharDfa, s: u32, e: u32) {
        let base = self.trans.len() as u32;
        for _ in 0..d.accept.len() {
            self.state();
        }
        let classes = d.bounds.len();
        for st in 0..d.accept.len() {
            for c in 0..classes {
                let lo = d.bounds[c];
                let hi = if c + 1 < classes {
                    d.bounds[c + 1] - 1
                } else {
                    MAX_CHAR
                };
                let to = d.trans[st * classes + c];
                if d.live[to as usize] {
                    self.edge(base + st as u32, lo, hi, base + to);
                }
            }
            if d.accept[st] {
                self.eps(base + st as u32, e);
            }
        }
        self.eps(s, base + d.start);
    }

    fn closure(&self, set: &mut Vec<u32>) {
        let mut stack = set.clone();
        let mut seen: std::collections::HashSet<u32> = set.iter().copied().collect();
        while let Some(s) = stack.pop() {
            for &t in &self.eps[s as usize] {
                if seen.insert(t) {
                    set.push(t);
                    stack.push(t);
                }
            }
        }
        set.sort_unstable();
        set.dedup();
    }

    fn determinize(&self, start: u32, accept: u32) -> Result<CharDfa, String> {
        let mut cuts = vec![0u32];
        for ts in &self.trans {
            for &(lo, hi, _) in ts {
                cuts.push(lo);
                if hi < MAX_CHAR {
                    cuts.push(hi + 1);
                }
            }
        }
        cuts.sort_unstable();
        cuts.dedup();
        let classes = cuts.len();
        // Per NFA state: (first class, last class, target).
        let class_trans: Vec<Vec<(usize, usize, u32)>> = self
            .trans
            .iter()
            .map(|ts| {
                ts.iter()
                    .map(|&(lo, hi, t)| {
                        let a = cuts.partition_point(|&b| b <= lo) - 1;
                        let b = cuts.partition_point(|&b| b <= hi) - 1;
                        (a, b, t)
                    })
                    .collect()
            })
            .collect();
        let mut init = vec![start];
        self.closure(&mut init);
        let mut ids: HashMap<Vec<u32>, u32> = HashMap::new();
        let mut sets: Vec<Vec<u32>> = Vec::new();
        // The dead state is 0.
        ids.insert(Vec::new(), 0);
        sets.push(Vec::new());
        ids.insert(init.clone(), 1);
        sets.push(init);
        let mut trans: Vec<u32> = Vec::new();
        let mut i = 0;
        while i < sets.len() {
            let set = sets[i].clone();
            let mut targets: Vec<Vec<u32>> = vec![Vec::new(); classes];
            for &s in &set {
                for &(a, b, t) in &class_trans[s as usize] {
                    for target in &mut targets[a..=b] {
                        target.push(t);
                    }
                }
            }
            for mut target in targets {
                target.sort_unstable();
                target.dedup();
                self.closure(&mut target);
                let id = match ids.get(&target) {
                    Some(&id) => id,
                    None => {
                        let id = sets.len() as u32;
                        if sets.len() >= MAX_STATES {
                            return Err(format!(
                                "the pattern needs more than {MAX_STATES} automaton states"
                            ));
                        }
                        ids.insert(target.clone(), id);
                        sets.push(target);
                        id
                    }
                };
                trans.push(id);
            }
            i += 1;
        }
        let accepting: Vec<bool> = sets
            .iter()
            .map(|s| s.binary_search(&accept).is_ok())
            .collect();
        Ok(CharDfa::finish(cuts, trans, accepting, 1))
    }
}

impl CharDfa {
    fn finish(bounds: Vec<u32>, trans: Vec<u32>, accept: Vec<bool>, start: u32) -> CharDfa {
        let n = accept.len();
        let classes = bounds.len();
        let mut rev: Vec<Vec<u32>> = vec![Vec::new(); n];
        for s in 0..n {
            for c in 0..classes {
                rev[trans[s * classes + c] as usize].push(s as u32);
            }
        }
        let mut live = accept.clone();
        let mut stack: Vec<u32> = (0..n as u32).filter(|&s| accept[s as usize]).collect();
        while let Some(s) = stack.pop() {
            for &p in &rev[s as usize] {
                if !live[p as usize] {
                    live[p as usize] = true;
                    stack.push(p);
                }
            }
        }
        CharDfa {
            bounds,
            trans,
            accept,
            live,
            start,
        }
    }

    /// Compiles a pattern.  Fails when it needs more than [`MAX_STATES`] states.
    pub fn from_pattern(p: &Pattern) -> Result<CharDfa, String> {
        let mut nfa = Nfa::default();
        let (s, e) = nfa.build(p)?;
        nfa.determinize(s, e)
    }

    /// The strings within `max_edits` insertions, deletions, substitutions and
    /// adjacent transpositions of `term` (optimal string alignment distance).
    pub fn levenshtein(term: &str, max_edits: u8) -> Result<CharDfa, String> {
        let p: Vec<u32> = term.chars().map(|c| c as u32).collect();
        let n = p.len();
        let k = max_edits as usize;
        let mut nfa = Nfa::default();
        let ids: Vec<Vec<u32>> = (0..=n)
            .map(|_| (0..=k).map(|_| nfa.state()).collect())
            .collect();
        let accept = nfa.state();
        for i in 0..=n {
            for e in 0..=k {
                let s = ids[i][e];
                if i == n {
                    nfa.eps(s, accept);
                }
                if i < n {
                    nfa.edge(s, p[i], p[i], ids[i + 1][e]);
                }
                if e < k {
                    nfa.edge(s, 0, MAX_CHAR, ids[i][e + 1]);
                    if i < n {
                        nfa.edge(s, 0, MAX_CHAR, ids[i + 1][e + 1]);
                        nfa.eps(s, ids[i + 1][e + 1]);
                    }
                    if i + 1 < n && p[i] != p[i + 1] {
                        let t = nfa.state();
                        nfa.edge(s, p[i + 1], p[i + 1], t);
                        nfa.edge(t, p[i], p[i], ids[i + 2][e + 1]);
                    }
                }
            }
        }
        nfa.determinize(ids[0][0], accept)
    }

    fn classes(&self) -> usize {
        self.bounds.len()
    }

    fn class_of(&self, c: u32) -> usize {
        self.bounds.partition_point(|&b| b <= c) - 1
    }

    /// The start state.
    pub fn start(&self) -> u32 {
        self.start
    }

    /// The state after reading `c` in state `s`.
    #[inline]
    pub fn step(&self, s: u32, c: u32) -> u32 {
        self.trans[s as usize * self.classes() + self.class_of(c)]
    }

    /// Whether `s` is accepting.
    #[inline]
    pub fn is_accept(&self, s: u32) -> bool {
        self.accept[s as usize]
    }

    /// Whether some accepting state is reachable from `s`.
    #[inline]
    pub fn is_live(&self, s: u32) -> bool {
        self.live[s as usize]
    }

    /// Whether the whole of `text` is accepted.
    pub fn matches(&self, text: &str) -> bool {
        let mut s = self.start;
        for c in text.chars() {
            s = self.step(s, c as u32);
            if !self.live[s as usize] {
                return false;
            }
        }
        self.accept[s as usize]
    }

    /// Whether the automaton accepts every string.
    pub fn is_total(&self) -> bool {
        // Every reachable state accepting.
        let mut seen = vec![false; self.accept.len()];
        let mut stack = vec![self.start];
        seen[self.start as usize] = true;
        while let Some(s) = stack.pop() {
            if !self.accept[s as usize] {
                return false;
            }
            for c in 0..self.classes() {
                let t = self.trans[s as usize * self.classes() + c];
                if !seen[t as usize] {
                    seen[t as usize] = true;
                    stack.push(t);
                }
            }
        }
        true
    }

    /// The number of states.
    pub fn len(&self) -> usize {
        self.accept.len()
    }

    /// Whether the automaton has no states (never true: there is always a dead state).
    pub fn is_empty(&self) -> bool {
        self.accept.is_empty()
    }

    fn complement(mut self) -> CharDfa {
        for a in &mut self.accept {
            *a = !*a;
        }
        CharDfa::finish(self.bounds, self.trans, self.accept, self.start)
    }

    fn product(&self, other: &CharDfa) -> Result<CharDfa, String> {
        let mut bounds: Vec<u32> = self
            .bounds
            .iter()
            .chain(other.bounds.iter())
            .copied()
            .collect();
        bounds.sort_unstable();
        bounds.dedup();
        let classes = bounds.len();
        let mut ids: HashMap<(u32, u32), u32> = HashMap::new();
        let mut pairs = vec![(self.start, other.start)];
        ids.insert((self.start, other.start), 0);
        let mut trans = Vec::new();
        let mut i = 0;
        while i < pairs.len() {
            let (a, b) = pairs[i];
            for &lo in bounds.iter().take(classes) {
                let t = (self.step(a, lo), other.step(b, lo));
                let id = match ids.get(&t) {
                    Some(&id) => id,
                    None => {
                        if pairs.len() >= MAX_STATES {
                            return Err(format!(
                                "the pattern needs more than {MAX_STATES} automaton states"
                            ));
                        }
                        let id = pairs.len() as u32;
                        ids.insert(t, id);
                        pairs.push(t);
                        id
                    }
                };
                trans.push(id);
            }
            i += 1;
        }
        let accept = pairs
            .iter()
            .map(|&(a, b)| self.is_accept(a) && other.is_accept(b))
            .collect();
        Ok(CharDfa::finish(bounds, trans, accept, 0))
    }
}

/// Decimal strings for the integers in `min..=max`: exactly `digits` digits
/// when non-zero (zero-padded), otherwise with any number of leading zeros.
fn interval_pattern(min: u32, max: u32, digits: usize) -> Pattern {
    let (min, max) = if min <= max { (min, max) } else { (max, min) };
    if digits > 0 {
        let lo = format!("{min:0digits$}");
        let hi = format!("{max:0digits$}");
        if lo.len() != digits || hi.len() != digits {
            return Pattern::Empty;
        }
        return fixed_width_range(lo.as_bytes(), hi.as_bytes());
    }
    let zeros = Pattern::Repeat(Box::new(Pattern::Literal("0".into())), 0, None);
    let mut alternatives = Vec::new();
    if min == 0 {
        alternatives.push(Pattern::Literal("0".into()));
    }
    let lo = min.max(1);
    if lo <= max {
        let lo_len = lo.to_string().len();
        let hi_len = max.to_string().len();
        for len in lo_len..=hi_len {
            let first = 10u64.pow(len as u32 - 1);
            let last = 10u64.pow(len as u32) - 1;
            let a = u64::from(lo).max(first);
            let b = u64::from(max).min(last);
            if a <= b {
                alternatives.push(fixed_width_range(
                    a.to_string().as_bytes(),
                    b.to_string().as_bytes(),
                ));
            }
        }
    }
    Pattern::Concat(vec![zeros, Pattern::Union(alternatives)])
}

/// Digit strings of one length between `lo` and `hi` (inclusive, same length).
fn fixed_width_range(lo: &[u8], hi: &[u8]) -> Pattern {
    let digit = |a: u8, b: u8| Pattern::CharSet(vec![(u32::from(a), u32::from(b))]);
    if lo.is_empty() {
        return Pattern::Literal(String::new());
    }
    let any_rest =
        |n: usize| Pattern::Repeat(Box::new(digit(b'0', b'9')), n as u32, Some(n as u32));
    let rest = lo.len() - 1;
    if lo[0] == hi[0] {
        return Pattern::Concat(vec![
            digit(lo[0], lo[0]),
            fixed_width_range(&lo[1..], &hi[1..]),
        ]);
    }
    let nines = vec![b'9'; rest];
    let zeros = vec![b'0'; rest];
    let mut alts = vec![Pattern::Concat(vec![
        digit(lo[0], lo[0]),
        fixed_width_range(&lo[1..], &nines),
    ])];
    if lo[0] + 1 < hi[0] {
        alts.push(Pattern::Concat(vec![
            digit(lo[0] + 1, hi[0] - 1),
            any_rest(rest),
        ]));
    }
    alts.push(Pattern::Concat(vec![
        digit(hi[0], hi[0]),
        fixed_width_range(&zeros, &hi[1..]),
    ]));
    Pattern::Union(alts)
}

/// Optimal-string-alignment distance between two strings, in code points.
pub fn osa_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[n][m]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str) -> Pattern {
        Pattern::Literal(s.into())
    }

    #[test]
    fn wildcards() {
        let p = Pattern::Concat(vec![lit("qu"), Pattern::AnyChar, lit("ck")]);
        let d = CharDfa::from_pattern(&p).unwrap();
        assert!(
            d.matches("quick") && d.matches("quack") && !d.matches("quck") && !d.matches("quicks")
        );
        let star = CharDfa::from_pattern(&Pattern::AnyString).unwrap();
        assert!(star.matches("") && star.matches("日本") && star.is_total());
    }

    #[test]
    fn complement_and_intersection() {
        let not_abc = Pattern::Complement(Box::new(lit("abc")));
        let d = CharDfa::from_pattern(&not_abc).unwrap();
        assert!(!d.matches("abc") && d.matches("ab") && d.matches("abcd") && d.matches(""));
        let both = Pattern::Intersect(
            Box::new(Pattern::Concat(vec![lit("a"), Pattern::AnyString])),
            Box::new(Pattern::Concat(vec![Pattern::AnyString, lit("z")])),
        );
        let d = CharDfa::from_pattern(&both).unwrap();
        assert!(d.matches("az") && d.matches("abz") && !d.matches("ab") && !d.matches("bz"));
    }

    #[test]
    fn intervals() {
        let d = CharDfa::from_pattern(&Pattern::Interval(1, 10, 0)).unwrap();
        for ok in ["1", "01", "007", "10", "010"] {
            assert!(d.matches(ok), "{ok}");
        }
        for no in ["0", "11", "", "1a"] {
            assert!(!d.matches(no), "{no}");
        }
        let d = CharDfa::from_pattern(&Pattern::Interval(5, 20, 2)).unwrap();
        assert!(d.matches("05") && d.matches("20") && !d.matches("5") && !d.matches("21"));
        let d = CharDfa::from_pattern(&Pattern::Interval(0, 3, 1)).unwrap();
        assert!(d.matches("0") && d.matches("3") && !d.matches("00"));
    }

    #[test]
    fn levenshtein_agrees_with_osa() {
        let words = [
            "fox", "fxo", "fo", "foxy", "box", "of", "jon", "john", "jo", "", "quick", "quikc",
            "qiuck", "ab", "ba", "abc", "ca", "aab",
        ];
        for q in ["fox", "jo", "quick", "ab", "a"] {
            for k in 0..=2u8 {
                let d = CharDfa::levenshtein(q, k).unwrap();
                for w in words {
                    assert_eq!(
                        d.matches(w),
                        osa_distance(q, w) <= k as usize,
                        "{q}~{k} vs {w}"
                    );
                }
            }
        }
        assert_eq!(osa_distance("ca", "abc"), 3);
    }

    #[test]
    fn state_cap() {
        let p = Pattern::Repeat(Box::new(Pattern::AnyChar), 20_000, Some(20_000));
        assert!(CharDfa::from_pattern(&p).is_err());
    }
}
