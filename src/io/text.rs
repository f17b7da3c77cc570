//! The text of an input file — a scenario or a replay script — which must
//! be UTF-8: where it is not, the error names the line, as every other
//! error in an input does.

/// Where a file stops being UTF-8. It displays as what is wrong, without the
/// line, which the reader of the file names with the file: `FILE:N: …`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not UTF-8 text (byte {byte:#04x} at column {column}); save the file as UTF-8")]
pub struct NotUtf8 {
    /// The line (from 1) of the first byte that is not UTF-8.
    pub line: usize,
    /// Its place in the line, in bytes from 1.
    pub column: usize,
    pub byte: u8,
}

/// The bytes of a file as text, or where they stop being UTF-8.
pub fn utf8(bytes: Vec<u8>) -> Result<String, NotUtf8> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let start = bytes[..at].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        NotUtf8 {
            line: 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count(),
            column: at - start + 1,
            byte: bytes[at],
        }
    })
}

/// The longest word (a run of characters between spaces) a message quotes
/// from its input whole; a longer one is shortened by [`elide`].
pub const LONGEST_QUOTED: usize = 80;

/// `message` with every word longer than [`LONGEST_QUOTED`] characters cut
/// to its first 40 and last 3 characters around an ellipsis and its length,
/// so that a key, a value or a label of megabytes in an input gives an error
/// of one short line, not the megabytes back: `` `kkkk…(1000000 characters)…k`: ``.
pub fn elide(message: &str) -> std::borrow::Cow<'_, str> {
    if !message.split(' ').any(|word| word.len() > LONGEST_QUOTED && word.chars().count() > LONGEST_QUOTED) {
        return std::borrow::Cow::Borrowed(message);
    }
    let words: Vec<String> = message
        .split(' ')
        .map(|word| {
            let n = word.chars().count();
            if n <= LONGEST_QUOTED {
                return word.to_owned();
            }
            let head: String = word.chars().take(40).collect();
            let tail: String = word.chars().skip(n - 3).collect();
            format!("{head}…({n} characters)…{tail}")
        })
        .collect();
    std::borrow::Cow::Owned(words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_words_are_elided_and_short_ones_kept() {
        assert_eq!(elide("unknown key `abc`"), "unknown key `abc`");
        let key = format!("`{}`:", "k".repeat(1_000_000));
        let long = format!("{key} unknown key");
        assert_eq!(elide(&long), format!("`{}…(1000003 characters)…k`: unknown key", "k".repeat(39)));
        let wide = "é".repeat(100);
        assert_eq!(elide(&wide), format!("{}…(100 characters)…ééé", "é".repeat(40)));
    }

    #[test]
    fn the_first_byte_that_is_not_utf8_is_placed() {
        assert_eq!(utf8(b"fork init a\n".to_vec()).as_deref(), Ok("fork init a\n"));
        let err = utf8(b"fork init a\n# caf\xe9\nexit a\n".to_vec()).unwrap_err();
        assert_eq!(err, NotUtf8 { line: 2, column: 6, byte: 0xe9 });
        assert_eq!(err.to_string(), "not UTF-8 text (byte 0xe9 at column 6); save the file as UTF-8");
        assert_eq!(utf8(vec![0xff]).unwrap_err(), NotUtf8 { line: 1, column: 1, byte: 0xff });
    }
}
