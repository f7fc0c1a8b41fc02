//! Text from elsewhere (the identity provider, Microsoft Graph, a managed identity endpoint, a
//! redirect) made safe for a terminal: [`printable`] is the ONE sanitizer every output path uses
//! (`cli::report` for errors, the terminal and reporter adapters for instructions and notices).

/// `text` with nothing a terminal would act on: every control character (C0 such as ESC, BEL,
/// CR, backspace; DEL; C1) and every invisible character that reorders or hides text (bidi
/// embeddings, overrides and isolates, zero-width characters, line and paragraph separators) is
/// shown as a visible escape (`\u{1b}`) instead. Line breaks are kept: `\n` stays and `\r\n`
/// becomes `\n`; a tab becomes a space.
#[must_use]
pub fn printable(text: &str) -> String {
    sanitize(text, true)
}

/// [`printable`] on one line: a line break is escaped too (`\u{a}`), for table cells.
#[must_use]
pub fn printable_line(text: &str) -> String {
    sanitize(text, false)
}

fn sanitize(text: &str, keep_lines: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' if keep_lines => out.push('\n'),
            '\r' if keep_lines && chars.peek() == Some(&'\n') => {}
            '\t' => out.push(' '),
            c if needs_escape(c) => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    out
}

/// At most `max_chars` characters of `text` (whole characters, never a split one), with `…`
/// appended when something was cut.
#[must_use]
pub fn clip(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        None => text.to_owned(),
        Some((end, _)) => format!("{}…", &text[..end]),
    }
}

/// The start of a reply body for a message: UTF-8 (invalid bytes replaced), each run of
/// whitespace as one space, trimmed, at most `max_chars` characters. Not yet [`printable`]: the
/// output paths make it so.
#[must_use]
pub fn excerpt(body: &[u8], max_chars: usize) -> String {
    // A character is at most 4 bytes, and whitespace runs shrink: enough for `max_chars`.
    let head = body.get(..max_chars.saturating_mul(8)).unwrap_or(body);
    let text = String::from_utf8_lossy(head);
    clip(
        &text.split_whitespace().collect::<Vec<_>>().join(" "),
        max_chars,
    )
}

/// Characters a terminal acts on or that change how the rest of the line reads: what
/// [`printable`] escapes (and what other renderers, such as `inspect`'s, must escape too).
#[must_use]
pub fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' // Arabic letter mark
                | '\u{200B}'..='\u{200F}' // zero-width space/joiners, LRM, RLM
                | '\u{2028}'..='\u{202E}' // line/paragraph separators, bidi embeddings and overrides
                | '\u{2060}'..='\u{2069}' // word joiner, invisible operators, bidi isolates
                | '\u{FEFF}' // zero-width no-break space
                | '\u{FFF9}'..='\u{FFFB}' // interlinear annotations
        )
}

#[cfg(test)]
mod tests {
    use super::{clip, excerpt, printable, printable_line};

    #[test]
    fn escapes_what_a_terminal_would_act_on() {
        assert_eq!(
            printable("a\u{1b}[2Jb\u{7}c\u{8}d\u{7f}e\u{9b}31mf"),
            "a\\u{1b}[2Jb\\u{7}c\\u{8}d\\u{7f}e\\u{9b}31mf"
        );
        assert_eq!(printable("ok\u{202e}txt.exe"), "ok\\u{202e}txt.exe");
        assert_eq!(printable("lone\rreturn"), "lone\\u{d}return");
        assert_eq!(
            printable_line("two\r\nlines\n"),
            "two\\u{d}\\u{a}lines\\u{a}"
        );
    }

    #[test]
    fn keeps_plain_text_and_line_breaks() {
        assert_eq!(
            printable("AADSTS7000215: bad.\r\nTrace ID: tr"),
            "AADSTS7000215: bad.\nTrace ID: tr"
        );
        assert_eq!(printable("tab\there"), "tab here");
        assert_eq!(printable("Zürich – 東京 ✓"), "Zürich – 東京 ✓");
    }

    #[test]
    fn the_result_holds_no_control_character_but_newline() {
        let all: String = (0u32..0x3000).filter_map(char::from_u32).collect();
        assert!(
            printable(&all)
                .chars()
                .all(|c| c == '\n' || !super::needs_escape(c))
        );
    }

    #[test]
    fn excerpts_are_one_short_line() {
        assert_eq!(
            excerpt(b"  <html>\r\n <body>Bad\tGateway</body>\n", 200),
            "<html> <body>Bad Gateway</body>"
        );
        assert_eq!(excerpt(b"", 10), "");
        assert_eq!(excerpt(&[b'a'; 5000], 3), "aaa…");
        assert_eq!(excerpt(b"\xff\xfeok", 10), "\u{fffd}\u{fffd}ok");
    }

    #[test]
    fn clips_whole_characters() {
        assert_eq!(clip("abc", 3), "abc");
        assert_eq!(clip("abcd", 3), "abc…");
        assert_eq!(clip("ééé", 2), "éé…");
        assert_eq!(clip("", 0), "");
    }
}
