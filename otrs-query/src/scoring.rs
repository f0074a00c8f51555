//! Lucene 8 scoring arithmetic: BM25 in 32-bit floats, the one-byte length
//! norm, and exact and sloppy phrase frequencies.

/// BM25 `k1`.
pub const K1: f32 = 1.2;
/// BM25 `b`.
pub const B: f32 = 0.75;

/// Lucene's `SmallFloat.longToInt4`.
fn long_to_int4(i: u64) -> u32 {
    let num_bits = 64 - i.leading_zeros();
    if num_bits < 4 {
        i as u32
    } else {
        let shift = num_bits - 4;
        let mut encoded = (i >> shift) as u32;
        encoded &= 0x07;
        encoded |= (shift + 1) << 3;
        encoded
    }
}

fn int4_to_long(i: u32) -> u64 {
    let bits = u64::from(i & 0x07);
    let shift = (i >> 3) as i32 - 1;
    if shift == -1 {
        bits
    } else {
        (bits | 0x08) << shift
    }
}

const NUM_FREE_VALUES: u32 = 255 - 231;

/// Lucene's `SmallFloat.intToByte4`: the length norm of a field with `len` terms.
pub fn int_to_byte4(len: u32) -> u8 {
    if len < NUM_FREE_VALUES {
        len as u8
    } else {
        (NUM_FREE_VALUES + long_to_int4(u64::from(len - NUM_FREE_VALUES))) as u8
    }
}

/// Lucene's `SmallFloat.byte4ToInt`: the length a norm byte stands for.
pub fn byte4_to_int(b: u8) -> u32 {
    let i = u32::from(b);
    if i < NUM_FREE_VALUES {
        i
    } else {
        (u64::from(NUM_FREE_VALUES) + int4_to_long(i - NUM_FREE_VALUES)) as u32
    }
}

/// BM25 idf: `ln(1 + (N − n + 0.5) / (n + 0.5))`, in doubles, rounded to a float.
pub fn idf(doc_freq: u64, doc_count: u64) -> f32 {
    (1.0 + (doc_count as f64 - doc_freq as f64 + 0.5) / (doc_freq as f64 + 0.5)).ln() as f32
}

/// Average field length: total terms / documents with the field.
pub fn avgdl(sum_total_term_freq: u64, doc_count: u64) -> f32 {
    if doc_count == 0 {
        1.0
    } else {
        (sum_total_term_freq as f64 / doc_count as f64) as f32
    }
}

/// A BM25 scorer for one term or phrase: the weight and the per-norm cache.
#[derive(Debug, Clone)]
pub struct Bm25 {
    weight: f32,
    cache: Box<[f32; 256]>,
}

impl Bm25 {
    /// `boost × idf` with the length cache for `avgdl`.
    pub fn new(boost: f32, idf: f32, avgdl: f32) -> Bm25 {
        let mut cache = Box::new([0f32; 256]);
        for (i, c) in cache.iter_mut().enumerate() {
            *c = 1.0f32 / (K1 * ((1.0 - B) + B * byte4_to_int(i as u8) as f32 / avgdl));
        }
        Bm25 {
            weight: boost * idf,
            cache,
        }
    }

    /// The score for frequency `freq` in a field whose norm byte is `norm`.
    #[inline]
    pub fn score(&self, freq: f32, norm: u8) -> f32 {
        let norm_inverse = self.cache[norm as usize];
        self.weight - self.weight / (1.0f32 + freq * norm_inverse)
    }
}

/// Sums clause scores like Lucene's conjunction and disjunction scorers (in a double).
pub fn sum_scores(scores: impl Iterator<Item = f32>) -> f32 {
    scores.map(f64::from).sum::<f64>() as f32
}

/// Phrase frequency: for an exact phrase (`slop == 0`) the number of matches,
/// otherwise Lucene's sloppy frequency (sum of `1 / (1 + match length)`).
/// `positions[i]` are the sorted positions of the i-th phrase term.  Zero
/// means no match.
pub fn phrase_freq(positions: &[&[u32]], terms: &[String], slop: u32) -> f32 {
    if positions.iter().any(|p| p.is_empty()) {
        return 0.0;
    }
    if slop == 0 {
        let mut count = 0u32;
        for &p in positions[0] {
            if positions
                .iter()
                .enumerate()
                .skip(1)
                .all(|(i, l)| l.binary_search(&(p + i as u32)).is_ok())
            {
                count += 1;
            }
        }
        return count as f32;
    }
    let repeats = terms
        .iter()
        .enumerate()
        .any(|(i, t)| terms[..i].contains(t));
    if repeats {
        return match min_window_distinct(positions, slop) {
            Some(len) => 1.0f32 / (1.0f32 + len as f32),
            None => 0.0,
        };
    }
    sloppy_freq(positions, i64::from(slop))
}

/// Lucene's `SloppyPhraseMatcher` without repeated terms.  The queue of
/// phrase positions is a small vector ordered by (position, offset).
fn sloppy_freq(positions: &[&[u32]], slop: i64) -> f32 {
    // Entries: (position, offset, index into positions[offset]).
    let mut queue: Queue = Queue::default();
    let mut end = i64::MIN;
    for (offset, list) in positions.iter().enumerate() {
        let pos = i64::from(list[0]) - offset as i64;
        end = end.max(pos);
        queue.push((pos, offset, 0));
    }
    let mut freq = 0f32;
    while let Some((mut pos, mut offset, mut idx)) = queue.pop_min() {
        let mut match_length = end - pos;
        let mut next = queue.min_position();
        let mut found = false;
        loop {
            let list = positions[offset];
            if idx + 1 >= list.len() {
                break;
            }
            idx += 1;
            pos = i64::from(list[idx]) - offset as i64;
            end = end.max(pos);
            if pos > next {
                queue.push((pos, offset, idx));
                if match_length <= slop {
                    found = true;
                    break;
                }
                let Some(t) = queue.pop_min() else { break };
                (pos, offset, idx) = t;
                next = queue.min_position();
                match_length = end - pos;
            } else {
                match_length = match_length.min(end - pos);
            }
        }
        if found {
            freq += 1.0f32 / (1.0f32 + match_length as f32);
            continue;
        }
        if match_length <= slop {
            freq += 1.0f32 / (1.0f32 + match_length as f32);
        }
        break;
    }
    freq
}

type Entry = (i64, usize, usize);

/// The phrase-position queue: inline for up to eight terms.
#[derive(Default)]
struct Queue {
    inline: [Entry; 8],
    len: usize,
    spill: Vec<Entry>,
}

impl Queue {
    fn push(&mut self, e: Entry) {
        if self.spill.is_empty() && self.len < self.inline.len() {
            self.inline[self.len] = e;
            self.len += 1;
        } else {
            if self.spill.is_empty() {
                self.spill.extend_from_slice(&self.inline[..self.len]);
            }
            self.spill.push(e);
        }
    }

    fn entries(&mut self) -> &mut [Entry] {
        if self.spill.is_empty() {
            &mut self.inline[..self.len]
        } else {
            &mut self.spill
        }
    }

    fn pop_min(&mut self) -> Option<Entry> {
        let entries = self.entries();
        let (i, _) = entries.iter().enumerate().min_by_key(|(_, e)| (e.0, e.1))?;
        let last = entries.len() - 1;
        entries.swap(i, last);
        let e = entries[last];
        if self.spill.is_empty() {
            self.len -= 1;
        } else {
            self.spill.pop();
        }
        Some(e)
    }

    fn min_position(&mut self) -> i64 {
        self.entries().iter().map(|e| e.0).min().unwrap_or(i64::MAX)
    }
}

/// The smallest match length over assignments of distinct positions (for
/// phrases that repeat a term), if it is within `slop`.
fn min_window_distinct(positions: &[&[u32]], slop: u32) -> Option<i64> {
    let mut starts: Vec<i64> = Vec::new();
    for (i, list) in positions.iter().enumerate() {
        starts.extend(list.iter().map(|&p| i64::from(p) - i as i64));
    }
    starts.sort_unstable();
    starts.dedup();
    let mut best: Option<i64> = None;
    for &w in &starts {
        // Find the smallest width from this lower end that admits a distinct assignment.
        let mut lo = 0i64;
        let mut hi = i64::from(slop);
        if !assignable(positions, w, hi) {
            continue;
        }
        while lo < hi {
            let mid = (lo + hi) / 2;
            if assignable(positions, w, mid) {
                hi = mid
            } else {
                lo = mid + 1
            }
        }
        best = Some(best.map_or(lo, |b: i64| b.min(lo)));
    }
    best
}

fn assignable(positions: &[&[u32]], w: i64, width: i64) -> bool {
    let candidates: Vec<Vec<u32>> = positions
        .iter()
        .enumerate()
        .map(|(i, list)| {
            list.iter()
                .copied()
                .filter(|&p| (w..=w + width).contains(&(i64::from(p) - i as i64)))
                .collect()
        })
        .collect();
    if candidates.iter().any(Vec::is_empty) {
        return false;
    }
    // Bipartite matching of phrase slots to distinct positions.
    let mut owner: std::collections::HashMap<u32, usize> = std::collections::HashMap::new();
    fn augment(
        slot: usize,
        candidates: &[Vec<u32>],
        owner: &mut std::collections::HashMap<u32, usize>,
        seen: &mut Vec<u32>,
    ) -> bool {
        for &p in &candidates[slot] {
            if seen.contains(&p) {
                continue;
            }
            seen.push(p);
            let free = match owner.get(&p) {
                None => true,
                Some(&other) => augment(other, candidates, owner, seen),
            };
            if free {
                owner.insert(p, slot);
                return true;
            }
        }
        false
    }
    (0..candidates.len()).all(|slot| augment(slot, &candidates, &mut owner, &mut Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("t{i}")).collect()
    }

    #[test]
    fn norms_match_lucene() {
        for len in 0..40 {
            assert_eq!(byte4_to_int(int_to_byte4(len)), len);
        }
        assert_eq!(byte4_to_int(int_to_byte4(41)), 40);
        assert_eq!(int_to_byte4(u32::MAX >> 1), 255);
    }

    #[test]
    fn sloppy_phrases() {
        // "quick brown fox": quick=0, fox=2
        let q: &[u32] = &[0];
        let f: &[u32] = &[2];
        assert_eq!(phrase_freq(&[q, f], &terms(2), 1), 0.5);
        assert_eq!(phrase_freq(&[q, f], &terms(2), 0), 0.0);
        // reversed: "fox quick"~N on "quick brown fox" needs N >= 3
        assert_eq!(phrase_freq(&[f, q], &terms(2), 2), 0.0);
        assert_eq!(phrase_freq(&[f, q], &terms(2), 3), 0.25);
        // exact phrase counts matches
        let a: &[u32] = &[0, 5];
        let b: &[u32] = &[1, 6];
        assert_eq!(phrase_freq(&[a, b], &terms(2), 0), 2.0);
    }

    /// The README's definition: some choice of positions has
    /// `max(p_i - i) - min(p_i - i) <= slop`.
    fn matches_by_definition(lists: &[Vec<u32>], slop: i64) -> bool {
        fn rec(lists: &[Vec<u32>], i: usize, lo: i64, hi: i64, slop: i64) -> bool {
            if i == lists.len() {
                return hi - lo <= slop;
            }
            lists[i].iter().any(|&p| {
                let v = i64::from(p) - i as i64;
                let (l, h) = (lo.min(v), hi.max(v));
                h - l <= slop && rec(lists, i + 1, l, h, slop)
            })
        }
        rec(lists, 0, i64::MAX, i64::MIN, slop)
    }

    #[test]
    fn sloppy_matcher_agrees_with_the_definition() {
        // A deterministic pseudo-random walk over small documents.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..3000 {
            let n = 2 + (next() % 3) as usize;
            let doc_len = 3 + (next() % 12) as u32;
            // Each position holds one of the n terms or another word.
            let mut lists = vec![Vec::new(); n];
            for pos in 0..doc_len {
                let t = (next() % (n as u64 + 2)) as usize;
                if t < n {
                    lists[t].push(pos);
                }
            }
            if lists.iter().any(Vec::is_empty) {
                continue;
            }
            let slop = (next() % 6) as u32;
            let refs: Vec<&[u32]> = lists.iter().map(Vec::as_slice).collect();
            let freq = phrase_freq(&refs, &terms(n), slop);
            assert_eq!(
                freq > 0.0,
                matches_by_definition(&lists, i64::from(slop)),
                "{lists:?} ~{slop}"
            );
        }
    }

    #[test]
    fn repeated_terms_need_distinct_positions() {
        let a: &[u32] = &[3];
        let t = vec!["a".to_string(), "a".to_string()];
        assert_eq!(phrase_freq(&[a, a], &t, 5), 0.0);
        let a2: &[u32] = &[3, 5];
        assert!(phrase_freq(&[a2, a2], &t, 1) > 0.0);
    }
}
