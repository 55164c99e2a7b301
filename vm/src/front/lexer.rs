//! Tokens with spans. The lexer never panics: any byte it does not understand is an error.

use crate::diag::Diagnostic;
use crate::source::Span;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tok {
    Ident(String),
    /// An integer literal; values above u64::MAX are rejected here.
    Int(u64),
    Str(Vec<u8>),
    Punct(&'static str),
    Eof,
}

#[derive(Clone, Debug)]
pub struct Token {
    pub tok: Tok,
    pub span: Span,
}

/// Longest first, so that `<<` wins over `<`.
const PUNCTS: &[&str] = &[
    "->", "=>", "<<", ">>", "==", "!=", "<=", ">=", "+%", "-%", "*%", "{", "}", "(", ")", "[", "]", ";", ":", ",", ".", "&", "+", "-", "*",
    "/", "%", "|", "^", "!", "<", ">", "=", "_",
];

pub fn lex(src: &str) -> Result<Vec<Token>, Diagnostic> {
    let bytes = src.as_bytes();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if src[i..].starts_with("//") {
            i = src[i..].find('\n').map_or(bytes.len(), |n| i + n);
            continue;
        }
        if src[i..].starts_with("/*") {
            match src[i + 2..].find("*/") {
                Some(n) => i = i + 2 + n + 2,
                None => return Err(Diagnostic::error("unterminated block comment").at(Span::new(i, i + 2), "comment starts here")),
            }
            continue;
        }
        let start = i;
        if c.is_ascii_alphabetic() || (c == b'_' && bytes.get(i + 1).is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')) {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            let word = &src[start..i];
            if word == "b" && bytes.get(i) == Some(&b'"') {
                let (s, end) = lex_string(src, i)?;
                toks.push(Token { tok: Tok::Str(s), span: Span::new(start, end) });
                i = end;
                continue;
            }
            toks.push(Token { tok: Tok::Ident(word.to_string()), span: Span::new(start, i) });
            continue;
        }
        if c.is_ascii_digit() {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            let span = Span::new(start, i);
            let v = parse_int(&src[start..i]).map_err(|msg| Diagnostic::error(msg).at(span, "in this literal"))?;
            toks.push(Token { tok: Tok::Int(v), span });
            continue;
        }
        if c == b'"' {
            let (s, end) = lex_string(src, i)?;
            toks.push(Token { tok: Tok::Str(s), span: Span::new(start, end) });
            i = end;
            continue;
        }
        if let Some(p) = PUNCTS.iter().find(|p| src[i..].starts_with(**p)) {
            i += p.len();
            toks.push(Token { tok: Tok::Punct(p), span: Span::new(start, i) });
            continue;
        }
        let ch = src[i..].chars().next().unwrap_or('?');
        return Err(
            Diagnostic::error(format!("unexpected character {ch:?}")).at(Span::new(i, i + ch.len_utf8()), "not part of the language")
        );
    }
    toks.push(Token { tok: Tok::Eof, span: Span::new(bytes.len(), bytes.len()) });
    Ok(toks)
}

fn parse_int(text: &str) -> Result<u64, String> {
    let clean: String = text.chars().filter(|&c| c != '_').collect();
    let (digits, radix) = match clean.get(..2) {
        Some("0x") | Some("0X") => (&clean[2..], 16),
        Some("0b") | Some("0B") => (&clean[2..], 2),
        Some("0o") | Some("0O") => (&clean[2..], 8),
        _ => (&clean[..], 10),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return Err(format!("invalid integer literal `{text}`"));
    }
    let mut v: u64 = 0;
    for c in digits.chars() {
        let d = c.to_digit(radix).unwrap_or(0) as u64;
        v = v
            .checked_mul(radix as u64)
            .and_then(|v| v.checked_add(d))
            .ok_or_else(|| "integer literal is too large: the largest literal is 18446744073709551615 (u64::MAX)".to_string())?;
    }
    Ok(v)
}

/// Lexes a string starting at the opening quote; returns the bytes and the offset after the
/// closing quote.
fn lex_string(src: &str, open: usize) -> Result<(Vec<u8>, usize), Diagnostic> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = open + 1;
    loop {
        match bytes.get(i) {
            None => return Err(Diagnostic::error("unterminated string literal").at(Span::new(open, open + 1), "string starts here")),
            Some(b'"') => return Ok((out, i + 1)),
            Some(b'\\') => {
                let esc = bytes.get(i + 1).copied();
                let bad = || {
                    Diagnostic::error("unknown escape in string literal")
                        .at(Span::new(i, (i + 2).min(bytes.len())), "valid escapes: \\n \\r \\t \\0 \\\\ \\\" \\' \\xNN")
                };
                match esc {
                    Some(b'n') => out.push(b'\n'),
                    Some(b'r') => out.push(b'\r'),
                    Some(b't') => out.push(b'\t'),
                    Some(b'0') => out.push(0),
                    Some(b'\\') => out.push(b'\\'),
                    Some(b'"') => out.push(b'"'),
                    Some(b'\'') => out.push(b'\''),
                    Some(b'x') => {
                        let bad_hex = || {
                            Diagnostic::error("`\\x` needs two hexadecimal digits")
                                .at(Span::new(i, (i + 4).min(bytes.len())), "like `\\x0a`")
                        };
                        let hex = src.get(i + 2..i + 4).filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit())).ok_or_else(bad_hex)?;
                        let v = u8::from_str_radix(hex, 16).map_err(|_| bad_hex())?;
                        out.push(v);
                        i += 2;
                    }
                    _ => return Err(bad()),
                }
                i += 2;
            }
            Some(&b) => {
                out.push(b);
                i += 1;
            }
        }
    }
}
