//! File names are chosen by whoever wrote the repository: the scan must
//! carry any of them, and no name may act on the terminal or the CI log
//! that shows the report (issue 14).
#![cfg(unix)]

mod util;

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use util::{Dir, note_kinds, open_findings};

const VULNERABLE_PY: &str = "import os\nos.system(input())\n";

fn create_raw(dir: &Dir, name: &[u8], contents: &str) {
    std::fs::write(dir.path().join(OsStr::from_bytes(name)), contents).expect("write test file");
}

#[test]
fn a_name_that_is_not_utf8_is_scanned_and_reported_in_every_format() {
    let dir = Dir::new();
    create_raw(&dir, b"bad\xff.py", VULNERABLE_PY);
    dir.create("good.py", VULNERABLE_PY);

    // The default scan records to the store too: it used to fail there.
    let out = dir
        .cmd()
        .args(["scan", "--color", "never"])
        .run()
        .expect_code(1);
    assert!(out.stdout.contains("bad\\xff.py:2:1"), "{}", out.stdout);
    assert!(out.stdout.contains("good.py:2:1"), "{}", out.stdout);
    assert!(out.stdout.contains("warning[lossy-path]"), "{}", out.stdout);

    let out = dir
        .cmd()
        .args(["scan", "--format", "json", "--no-store"])
        .run()
        .expect_code(1);
    let report = out.json();
    assert_eq!(open_findings(&report).len(), 2, "{}", out.stdout);
    assert!(note_kinds(&report).contains(&"lossy-path".to_string()));
    assert!(out.stdout.contains("bad\u{fffd}.py"), "{}", out.stdout);

    let out = dir
        .cmd()
        .args(["scan", "--format", "sarif", "--no-store"])
        .run()
        .expect_code(1);
    assert!(out.stdout.contains("\"bad%FF.py\""), "{}", out.stdout);
}

#[test]
fn names_cannot_act_on_the_terminal_or_the_ci_log() {
    let dir = Dir::new();
    create_raw(&dir, b"x\n::error file=evil.py::pwned.py", VULNERABLE_PY);
    create_raw(&dir, b"esc\x1b[31mred.py", VULNERABLE_PY);
    create_raw(&dir, b"bidi\xe2\x80\xaeyp.txt.py", VULNERABLE_PY);

    for format in ["text", "github"] {
        let out = dir
            .cmd()
            .args(["scan", "--no-store", "--color", "never", "--format", format])
            .run()
            .expect_code(1);
        assert!(!out.stdout.contains('\x1b'), "{format}: {}", out.stdout);
        assert!(!out.stdout.contains('\u{202e}'), "{format}: {}", out.stdout);
        // Only secguard's own annotations may start a workflow command.
        for line in out.stdout.lines() {
            assert!(
                !line.starts_with("::error file=evil.py"),
                "{format}: a file name started a workflow command:\n{}",
                out.stdout
            );
        }
    }
    let out = dir
        .cmd()
        .args(["scan", "--no-store", "--color", "never"])
        .run()
        .expect_code(1);
    assert!(
        out.stdout
            .contains("x\\n::error file=evil.py::pwned.py:2:1"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("esc\\x1b[31mred.py:2:1"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("bidi\\u{202e}yp.txt.py"),
        "{}",
        out.stdout
    );
}

#[test]
fn paths_are_shown_exactly() {
    let dir = Dir::new();
    dir.create("back\\slash.py", VULNERABLE_PY);
    let out = dir
        .cmd()
        .args(["scan", "--no-store", "--color", "never"])
        .run()
        .expect_code(1);
    assert!(out.stdout.contains("back\\slash.py:2:1"), "{}", out.stdout);
    assert!(!out.stdout.contains("back/slash.py"), "{}", out.stdout);
}

/// Root reads any file whatever its mode, so the unreadable file is a link
/// to the memory of the reading process, whose first page read fails.
#[test]
fn an_unreadable_file_named_alone_is_an_error() {
    let dir = Dir::new();
    std::os::unix::fs::symlink("/proc/self/mem", dir.path().join("mem.c")).expect("symlink");
    dir.create("ok.py", VULNERABLE_PY);
    let out = dir
        .cmd()
        .args(["scan", "--no-store", "mem.c", "ok.py"])
        .run()
        .expect_code(2);
    assert!(
        out.stderr.contains("error: mem.c: cannot read file"),
        "{}",
        out.stderr
    );
    // The other file's result is still reported.
    assert!(out.stdout.contains("ok.py:2:1"), "{}", out.stdout);
    // Walking the folder does not follow the link: no error there.
    let out = dir.cmd().args(["scan", "--no-store"]).run().expect_code(1);
    assert!(!out.stderr.contains("error"), "{}", out.stderr);
}
