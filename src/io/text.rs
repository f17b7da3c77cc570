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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_byte_that_is_not_utf8_is_placed() {
        assert_eq!(utf8(b"fork init a\n".to_vec()).as_deref(), Ok("fork init a\n"));
        let err = utf8(b"fork init a\n# caf\xe9\nexit a\n".to_vec()).unwrap_err();
        assert_eq!(err, NotUtf8 { line: 2, column: 6, byte: 0xe9 });
        assert_eq!(err.to_string(), "not UTF-8 text (byte 0xe9 at column 6); save the file as UTF-8");
        assert_eq!(utf8(vec![0xff]).unwrap_err(), NotUtf8 { line: 1, column: 1, byte: 0xff });
    }
}
