#![allow(missing_docs, clippy::unwrap_used)]
use medanon_crypto::KeySet;
use medanon_tags::{Deidentifier, Limits, Recipe, open_dicom, write_dicom_atomic};
fn main() {
    let keys = KeySet::parse("1RG9VEXItg37ZgIXsi5pbEu-NBatR-M7zEzjOycirPg=").unwrap();
    let engine = Deidentifier::new(Recipe::default(), keys);
    let out = std::path::Path::new("/tmp/smoke-out");
    let _ = std::fs::create_dir_all(out);
    let mut files: Vec<_> = std::env::args().skip(1).collect();
    files.sort();
    for f in files {
        match open_dicom(f.as_ref(), &Limits::default()) {
            Err(e) => println!("{f}: OPEN ERR {e}"),
            Ok(obj) => match engine.deidentify(obj) {
                Err(e) => println!("{f}: DEID ERR {e}"),
                Ok((obj, report)) => {
                    let name = std::path::Path::new(&f).file_name().unwrap();
                    let p = out.join(name);
                    let _ = std::fs::remove_file(&p);
                    match write_dicom_atomic(&obj, &p, false) {
                        Err(e) => println!("{f}: WRITE ERR {e}"),
                        Ok(()) => match open_dicom(&p, &Limits::default()) {
                            Err(e) => println!("{f}: REREAD ERR {e}"),
                            Ok(_) => println!(
                                "{f}: ok, {} actions, patient {}",
                                report.actions.len(),
                                report.patient_pseudonym
                            ),
                        },
                    }
                }
            },
        }
    }
}
