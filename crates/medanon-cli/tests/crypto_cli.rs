//! `medanon keygen`, `encrypt` and `decrypt` as a user runs them.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn medanon(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_medanon"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// Whether `python3` can import `cryptography` (and `tomllib`, Python 3.11+).
fn python_ready() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import cryptography, tomllib"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("SKIPPED: python3 with cryptography and tomllib is not available");
    }
    ok
}

#[test]
fn python_decrypts_a_token_from_medanon_encrypt_with_a_keygen_key() {
    let dir = tempfile::tempdir().unwrap();
    stdout(&medanon(&["keygen", "--out", "project.key"], dir.path()));
    let token = stdout(&medanon(
        &["encrypt", "--key", "project.key", "Müller^Jürgen"],
        dir.path(),
    ));
    let token = token.trim();
    assert!(token.starts_with("gAAAAA"), "{token}");
    // Round trip through our own decrypt.
    let back = stdout(&medanon(
        &["decrypt", "--key", "project.key", token],
        dir.path(),
    ));
    assert_eq!(back, "Müller^Jürgen\n");
    if !python_ready() {
        return;
    }
    let script = r#"
import sys, tomllib
from cryptography.fernet import Fernet
with open(sys.argv[1], "rb") as f:
    key = tomllib.load(f)["fernet"]
print(Fernet(key.encode()).decrypt(sys.argv[2].encode()).decode(), end="")
"#;
    let out = Command::new("python3")
        .args(["-c", script, "project.key", token])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "Müller^Jürgen");
}

#[test]
fn a_python_fernet_key_file_works_with_medanon() {
    if !python_ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let script = r#"
from cryptography.fernet import Fernet
key = Fernet.generate_key()
open("py.key", "wb").write(key + b"\n")
print(Fernet(key).encrypt(b"from python").decode())
"#;
    let out = Command::new("python3")
        .args(["-c", script])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let token = stdout(&out);
    let back = medanon(&["decrypt", "--key", "py.key", token.trim()], dir.path());
    assert_eq!(stdout(&back), "from python\n");
}

#[test]
fn a_tampered_token_is_a_one_line_error_with_status_1() {
    let dir = tempfile::tempdir().unwrap();
    stdout(&medanon(&["keygen", "--out", "k"], dir.path()));
    for scheme in ["fernet", "aes-gcm"] {
        let token = stdout(&medanon(
            &["encrypt", "--key", "k", "--scheme", scheme, "DOE^JOHN"],
            dir.path(),
        ));
        let token = token.trim();
        // Change one character in the middle of the ciphertext.
        let mid = token.len() / 2;
        let swapped = if &token[mid..=mid] == "A" { "B" } else { "A" };
        let tampered = format!("{}{}{}", &token[..mid], swapped, &token[mid + 1..]);
        let out = medanon(&["decrypt", "--key", "k", &tampered], dir.path());
        assert_eq!(out.status.code(), Some(1), "{scheme}");
        assert!(out.stdout.is_empty());
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains("failed authentication"), "{stderr}");
        assert!(
            !stderr.contains("panicked") && !stderr.contains(&tampered[..20]),
            "{stderr}"
        );
    }
}

#[test]
fn bad_keys_and_garbage_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("short.key"), "abc\n").unwrap();
    let cases: [(&[&str], &str); 4] = [
        (&["decrypt", "--key", "missing.key", "x"], "not found"),
        (&["decrypt", "--key", "short.key", "x"], "wrong length"),
        (&["encrypt", "--key", ".", "x"], "not a regular file"),
        (
            &["keygen", "--out", "no/such/dir/k"],
            "cannot write key file",
        ),
    ];
    for (args, expected) in cases {
        let out = medanon(args, dir.path());
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.contains(expected) && stderr.lines().count() == 1,
            "{args:?}: {stderr}"
        );
    }
    stdout(&medanon(&["keygen", "--out", "k"], dir.path()));
    let out = medanon(&["decrypt", "--key", "k", "not-a-token"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let again = medanon(&["keygen", "--out", "k"], dir.path());
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}

#[test]
fn aes_gcm_with_associated_data_and_ttl_rules() {
    let dir = tempfile::tempdir().unwrap();
    stdout(&medanon(&["keygen", "--out", "k"], dir.path()));
    let token = stdout(&medanon(
        &[
            "encrypt", "--key", "k", "--scheme", "aes-gcm", "--aad", "study-7", "secret",
        ],
        dir.path(),
    ));
    let token = token.trim();
    assert!(token.starts_with("MAG1"));
    let ok = medanon(
        &["decrypt", "--key", "k", "--aad", "study-7", token],
        dir.path(),
    );
    assert_eq!(stdout(&ok), "secret\n");
    let wrong = medanon(
        &["decrypt", "--key", "k", "--aad", "study-8", token],
        dir.path(),
    );
    assert_eq!(wrong.status.code(), Some(1));
    let ttl = medanon(&["decrypt", "--key", "k", "--ttl", "5", token], dir.path());
    assert!(String::from_utf8_lossy(&ttl.stderr).contains("--ttl applies to fernet tokens only"));
    let fernet = stdout(&medanon(&["encrypt", "--key", "k", "x"], dir.path()));
    let fresh = medanon(
        &["decrypt", "--key", "k", "--ttl", "600", fernet.trim()],
        dir.path(),
    );
    assert_eq!(stdout(&fresh), "x\n");
}
