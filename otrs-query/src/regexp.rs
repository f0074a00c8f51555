//! Lucene's regular-expression syntax (`RegExp` with every optional operator):
//! `.` `?` `*` `+` `{n}` `{n,}` `{n,m}` `|` `( )` `[…]` `[^…]` `"…"` `\c`,
//! `@` (any string), `&` (intersection), `~` (complement), `#` (empty
//! language) and `<n-m>` (decimal interval).  There are no `\d`/`\w` classes:
//! `\d` is the letter `d`.

use crate::automaton::Pattern;

/// Parses a regular expression (the text between the slashes).
///
/// ```
/// use otrs_query::automaton::CharDfa;
/// let p = otrs_query::regexp::parse("joh?n(ath[oa]n)").unwrap();
/// let dfa = CharDfa::from_pattern(&p).unwrap();
/// assert!(dfa.matches("jonathon") && dfa.matches("johnathan") && !dfa.matches("john"));
/// ```
pub fn parse(text: &str) -> Result<Pattern, String> {
    let chars: Vec<char> = text.chars().collect();
    if chars.is_empty() {
        return Ok(Pattern::Literal(String::new()));
    }
    let mut p = RegexParser {
        chars,
        pos: 0,
        depth: 0,
    };
    let e = p.union()?;
    if p.pos < p.chars.len() {
        return Err(format!("end of expression expected at position {}", p.pos));
    }
    Ok(e)
}

const MAX_NESTING: usize = 200;

struct RegexParser {
    chars: Vec<char>,
    pos: usize,
    depth: usize,
}

impl RegexParser {
    fn more(&self) -> bool {
        self.pos < self.chars.len()
    }

    fn peek(&self, set: &str) -> bool {
        self.more() && set.contains(self.chars[self.pos])
    }

    fn eat(&mut self, c: char) -> bool {
        if self.more() && self.chars[self.pos] == c {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn next(&mut self) -> Result<char, String> {
        if !self.more() {
            return Err("unexpected end of expression".into());
        }
        self.pos += 1;
        Ok(self.chars[self.pos - 1])
    }

    fn enter(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            Err("expression nested too deeply".into())
        } else {
            Ok(())
        }
    }

    fn union(&mut self) -> Result<Pattern, String> {
        self.enter()?;
        let e = self.inter()?;
        let r = if self.eat('|') {
            Pattern::Union(vec![e, self.union()?])
        } else {
            e
        };
        self.depth -= 1;
        Ok(r)
    }

    fn inter(&mut self) -> Result<Pattern, String> {
        self.enter()?;
        let e = self.concat()?;
        let r = if self.eat('&') {
            Pattern::Intersect(Box::new(e), Box::new(self.inter()?))
        } else {
            e
        };
        self.depth -= 1;
        Ok(r)
    }

    fn concat(&mut self) -> Result<Pattern, String> {
        let mut items = vec![self.repeat()?];
        while self.more() && !self.peek(")|&") {
            items.push(self.repeat()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Pattern::Concat(items)
        })
    }

    fn number(&mut self) -> Result<Option<u32>, String> {
        let start = self.pos;
        while self.peek("0123456789") {
            self.pos += 1;
        }
        if start == self.pos {
            return Ok(None);
        }
        let s: String = self.chars[start..self.pos].iter().collect();
        s.parse::<u32>()
            .map(Some)
            .map_err(|_| format!("number too large at position {start}"))
    }

    fn repeat(&mut self) -> Result<Pattern, String> {
        let mut e = self.complement()?;
        while self.peek("?*+{") {
            if self.eat('?') {
                e = Pattern::Repeat(Box::new(e), 0, Some(1));
            } else if self.eat('*') {
                e = Pattern::Repeat(Box::new(e), 0, None);
            } else if self.eat('+') {
                e = Pattern::Repeat(Box::new(e), 1, None);
            } else if self.eat('{') {
                let n = self
                    .number()?
                    .ok_or_else(|| format!("integer expected at position {}", self.pos))?;
                let m = if self.eat(',') {
                    self.number()?
                } else {
                    Some(n)
                };
                if !self.eat('}') {
                    return Err(format!("expected '}}' at position {}", self.pos));
                }
                e = Pattern::Repeat(Box::new(e), n, m);
            }
        }
        Ok(e)
    }

    fn complement(&mut self) -> Result<Pattern, String> {
        if self.eat('~') {
            self.enter()?;
            let inner = self.complement()?;
            self.depth -= 1;
            Ok(Pattern::Complement(Box::new(inner)))
        } else {
            self.char_class()
        }
    }

    fn char_class(&mut self) -> Result<Pattern, String> {
        if !self.eat('[') {
            return self.simple();
        }
        let negate = self.eat('^');
        let mut ranges = vec![self.class_item()?];
        while self.more() && !self.peek("]") {
            ranges.push(self.class_item()?);
        }
        if !self.eat(']') {
            return Err(format!("expected ']' at position {}", self.pos));
        }
        if negate {
            ranges.sort_unstable();
            let mut out = Vec::new();
            let mut next = 0u32;
            for (lo, hi) in ranges {
                if lo > next {
                    out.push((next, lo - 1));
                }
                next = next.max(hi + 1);
            }
            if next <= 0x10FFFF {
                out.push((next, 0x10FFFF));
            }
            Ok(Pattern::CharSet(out))
        } else {
            Ok(Pattern::CharSet(ranges))
        }
    }

    fn class_item(&mut self) -> Result<(u32, u32), String> {
        let c = self.char_exp()?;
        if self.eat('-') {
            let d = self.char_exp()?;
            if c > d {
                return Err(format!("invalid range {c:?}-{d:?}"));
            }
            Ok((c as u32, d as u32))
        } else {
            Ok((c as u32, c as u32))
        }
    }

    fn char_exp(&mut self) -> Result<char, String> {
        self.eat('\\');
        self.next()
    }

    fn simple(&mut self) -> Result<Pattern, String> {
        if self.eat('.') {
            return Ok(Pattern::AnyChar);
        }
        if self.eat('#') {
            return Ok(Pattern::Empty);
        }
        if self.eat('@') {
            return Ok(Pattern::AnyString);
        }
        if self.eat('"') {
            let start = self.pos;
            while self.more() && !self.peek("\"") {
                self.pos += 1;
            }
            if !self.eat('"') {
                return Err(format!("expected '\"' at position {}", self.pos));
            }
            return Ok(Pattern::Literal(
                self.chars[start..self.pos - 1].iter().collect(),
            ));
        }
        if self.eat('(') {
            if self.eat(')') {
                return Ok(Pattern::Literal(String::new()));
            }
            let e = self.union()?;
            if !self.eat(')') {
                return Err(format!("expected ')' at position {}", self.pos));
            }
            return Ok(e);
        }
        if self.eat('<') {
            let start = self.pos;
            while self.more() && !self.peek(">") {
                self.pos += 1;
            }
            if !self.eat('>') {
                return Err(format!("expected '>' at position {}", self.pos));
            }
            let s: String = self.chars[start..self.pos - 1].iter().collect();
            return interval(&s).ok_or_else(|| format!("'<{s}>' is not an interval <n-m>"));
        }
        Ok(Pattern::Literal(self.char_exp()?.to_string()))
    }
}

/// `<n-m>`: Lucene reads both ends with `Integer.parseInt`; equal lengths fix the digit count.
fn interval(s: &str) -> Option<Pattern> {
    let i = s.find('-')?;
    if i == 0 || i == s.len() - 1 || s.rfind('-') != Some(i) {
        return None;
    }
    let (smin, smax) = (&s[..i], &s[i + 1..]);
    let parse = |t: &str| -> Option<u32> {
        let d = t.strip_prefix('+').unwrap_or(t);
        if d.is_empty() || !d.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let v: i64 = d.parse().ok()?;
        (v <= i64::from(i32::MAX)).then_some(v as u32)
    };
    let (a, b) = (parse(smin)?, parse(smax)?);
    let digits = if smin.chars().count() == smax.chars().count() {
        smin.chars().count()
    } else {
        0
    };
    Some(Pattern::Interval(a.min(b), a.max(b), digits))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::automaton::CharDfa;

    fn m(re: &str, s: &str) -> bool {
        CharDfa::from_pattern(&parse(re).unwrap())
            .unwrap()
            .matches(s)
    }

    #[test]
    fn lucene_syntax() {
        assert!(m("jo.*", "jonathan"));
        assert!(m("pa[s5]{2}wo?r?d", "pa55wd"));
        assert!(m("[0-9]{4}", "2020") && !m("[0-9]{4}", "20201"));
        assert!(m("\\d+", "ddd") && !m("\\d+", "12"));
        assert!(m("@&~(abc)", "abd") && !m("@&~(abc)", "abc"));
        assert!(m("<1-12>", "07") && !m("<1-12>", "13"));
        assert!(m("\"a.b\"", "a.b") && !m("\"a.b\"", "axb"));
        assert!(!m("a{2,1}", "a") && !m("a{2,1}", "aa"));
        assert!(m("#|x", "x") && !m("#", ""));
        assert!(m("[^a-c]x", "dx") && !m("[^a-c]x", "bx"));
        assert!(m("|a", "|a"));
        assert!(m("()", ""));
        assert!(m("", ""));
    }

    #[test]
    fn invalid() {
        for re in [
            "lazy~", "[a-", "a|", "(a", "a{", "a{x}", "[]", "<a-b>", "<1-2-3>", "<foo>", "a)",
            "\\", "[z-a]",
        ] {
            assert!(parse(re).is_err(), "{re}");
        }
    }
}
