//! Untrusted text on its way to a person: file names, code, and messages
//! from tools and models.
//!
//! A file name is chosen by whoever wrote the repository. Printed raw it can
//! move the cursor or recolour a terminal (escape sequences), start a line of
//! its own in a CI log (a newline followed by `::error ...` is a GitHub
//! workflow command), or reorder what a reviewer reads (Unicode bidi
//! controls). So every renderer shows such text through [`escape_control`]
//! or [`path_display`], and the serialized forms carry file names through
//! [`serde_path`] so a name that is not UTF-8 never fails a report.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// Characters that change how the rest of a line is shown: C0 and C1
/// controls, DEL, and the Unicode bidirectional overrides and isolates.
fn is_unsafe_char(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
        c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
    }
}

/// `text` with every control character written as a visible escape
/// (`\n`, `\x1b`, `\u{202e}`), for one line of terminal or log output.
/// Text without such characters is returned as it is.
pub fn escape_control(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe_char(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The bytes of a path as the operating system holds them.
pub fn path_bytes(path: &Path) -> Cow<'_, [u8]> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Cow::Borrowed(path.as_os_str().as_bytes())
    }
    #[cfg(not(unix))]
    {
        match path.to_string_lossy() {
            Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
            Cow::Owned(s) => Cow::Owned(s.into_bytes()),
        }
    }
}

/// A path from the bytes [`path_bytes`] gave (exact on Unix, lossy elsewhere).
pub fn path_from_bytes(bytes: Vec<u8>) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        PathBuf::from(std::ffi::OsString::from_vec(bytes))
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(String::from_utf8_lossy(&bytes).into_owned())
    }
}

/// Whether the path's name is valid UTF-8 (and so survives JSON exactly).
pub fn path_is_utf8(path: &Path) -> bool {
    path.to_str().is_some()
}

/// The path as reports and fingerprints spell it: `/` as the separator
/// (Windows' `\` converted; on Unix a `\` is part of a name and stays), and
/// bytes that are not UTF-8 replaced by U+FFFD.
pub fn path_portable(path: &Path) -> String {
    let text = path.to_string_lossy();
    if cfg!(windows) {
        text.replace('\\', "/")
    } else {
        text.into_owned()
    }
}

/// The path for a person to read: exact, with bytes that are not UTF-8
/// written as `\xff` and control characters escaped as [`escape_control`]
/// does, so two different names never print alike by accident and no name
/// can act on the terminal.
pub fn path_display(path: &Path) -> String {
    let bytes = path_bytes(path);
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(&escape_control(chunk.valid()));
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    if cfg!(windows) {
        out = out.replace('\\', "/");
    }
    out
}

/// Serde for file names in reports: written as text (lossily when the name
/// is not UTF-8, which serde's own `PathBuf` impl refuses, failing the whole
/// report), read back from text. The exact name of a non-UTF-8 file travels
/// in the scan's `non-utf8-path` note and in SARIF's percent-encoded URI.
pub mod serde_path {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::path::{Path, PathBuf};

    pub fn serialize<S: Serializer>(path: &Path, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&path.to_string_lossy())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<PathBuf, D::Error> {
        Ok(PathBuf::from(String::deserialize(deserializer)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape_control("plain.py"), "plain.py");
        assert_eq!(
            escape_control("x\n::error file=evil.py::pwned"),
            "x\\n::error file=evil.py::pwned"
        );
        assert_eq!(escape_control("esc\u{1b}[31mred"), "esc\\x1b[31mred");
        assert_eq!(escape_control("a\u{202e}b\u{85}"), "a\\u{202e}b\\u{85}");
        assert_eq!(escape_control("tab\there\r"), "tab\\there\\r");
    }

    #[test]
    fn paths_are_shown_exactly() {
        assert_eq!(path_display(Path::new("dir/plain.py")), "dir/plain.py");
        #[cfg(unix)]
        {
            assert_eq!(path_display(Path::new("back\\slash.py")), "back\\slash.py");
            assert_eq!(path_portable(Path::new("back\\slash.py")), "back\\slash.py");
            let odd = path_from_bytes(b"bad\xff\n.py".to_vec());
            assert_eq!(path_display(&odd), "bad\\xff\\n.py");
            assert!(!path_is_utf8(&odd));
            assert_eq!(path_bytes(&odd).as_ref(), b"bad\xff\n.py");
            assert_eq!(path_portable(&odd), "bad\u{fffd}\n.py");
        }
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_paths_serialize() {
        #[derive(serde::Serialize, serde::Deserialize)]
        struct P {
            #[serde(with = "serde_path")]
            path: PathBuf,
        }
        let p = P {
            path: path_from_bytes(b"bad\xff.py".to_vec()),
        };
        let json = serde_json::to_string(&p).expect("serializes");
        assert_eq!(json, "{\"path\":\"bad\u{fffd}.py\"}");
        let back: P = serde_json::from_str(&json).expect("reads back");
        assert_eq!(back.path, PathBuf::from("bad\u{fffd}.py"));
    }
}
