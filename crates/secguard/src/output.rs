//! Writing reports to files atomically: the text goes to a temporary file in
//! the target's directory, which is then renamed over the target. A reader
//! never sees a half-written report, and a failed write leaves the old file.

use std::io::Write;
use std::path::Path;

pub fn write_atomic(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    // A device, FIFO or other special file (`-o /dev/null`, `-o /dev/stdout`)
    // must be written to, never replaced by a regular file.
    if let Ok(meta) = std::fs::metadata(path)
        && !meta.is_file()
    {
        if meta.is_dir() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::IsADirectory,
                "is a directory",
            ));
        }
        let mut f = std::fs::OpenOptions::new().write(true).open(path)?;
        f.write_all(contents)?;
        return f.flush();
    }
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".secguard-report-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(contents)?;
    tmp.as_file().sync_all()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Temporary files are private (0600); a report is an ordinary file.
        let mode = std::fs::metadata(path)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0o644);
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn special_files_are_written_not_replaced() {
        let before = std::fs::metadata("/dev/null").map(|m| m.is_file());
        assert!(write_atomic(Path::new("/dev/null"), b"report").is_ok());
        let after = std::fs::metadata("/dev/null").map(|m| m.is_file());
        assert_eq!(before.ok(), Some(false));
        assert_eq!(after.ok(), Some(false), "/dev/null was replaced by a file");
    }

    #[test]
    fn replaces_and_leaves_no_temporary_files() {
        let dir = tempfile::tempdir().expect("tmp");
        let target = dir.path().join("report.json");
        std::fs::write(&target, "old").expect("write");
        write_atomic(&target, b"new").expect("atomic write");
        assert_eq!(std::fs::read_to_string(&target).expect("read"), "new");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("read_dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("report.json")]);
    }

    #[test]
    fn missing_directory_is_an_error() {
        let dir = tempfile::tempdir().expect("tmp");
        assert!(write_atomic(&dir.path().join("no/such/dir/r.json"), b"x").is_err());
    }
}
