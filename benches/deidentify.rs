//! The engine's cost per object, in memory (no I/O): the Basic Profile on a
//! small CT slice and on a structured report, and the profile with the
//! options and encryption of originals.
#![allow(missing_docs)]
#![allow(clippy::expect_used)] // a benchmark on bad setup should stop loudly

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use medanon_crypto::{KeySet, Scheme};
use medanon_tags::{
    Deidentifier, EncryptionSettings, Limits, Profile, Recipe, open_dicom, parse_dicom,
};

fn testdata(name: &str) -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/testdata/dicom")
        .join(name);
    path.is_file().then_some(path)
}

fn deidentify(c: &mut Criterion) {
    let keys = KeySet::parse("cYcRnq_j907tcZhKi5mlLImNTpaBIjHNGMOUSEvTSbM=").expect("valid key");
    let basic = Deidentifier::new(Recipe::default(), keys.clone());
    let full = Deidentifier::new(
        Recipe {
            profile: Profile::basic()
                .clean_descriptors()
                .retain_modified_dates()
                .retain_safe_private(),
            encryption: Some(EncryptionSettings {
                scheme: Scheme::AesGcm,
                all_changed: true,
            }),
            ..Recipe::default()
        },
        keys,
    );
    let mut group = c.benchmark_group("deidentify");
    for name in [
        "pydicom/CT_small.dcm",
        "pydicom/test-SR.dcm",
        "deid/ctbrain1.dcm",
    ] {
        let Some(path) = testdata(name) else {
            eprintln!("SKIPPED: {name} not found (../shared/testdata)");
            continue;
        };
        let bytes = std::fs::read(&path).expect("readable");
        let object = open_dicom(&path, &Limits::default()).expect("parses");
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(format!("parse/{name}"), |b| {
            b.iter(|| parse_dicom(black_box(&bytes)).expect("parses"))
        });
        group.bench_function(format!("basic/{name}"), |b| {
            b.iter(|| {
                basic
                    .deidentify(black_box(object.clone()))
                    .expect("de-identifies")
            })
        });
        group.bench_function(format!("options+encryption/{name}"), |b| {
            b.iter(|| {
                full.deidentify(black_box(object.clone()))
                    .expect("de-identifies")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, deidentify);
criterion_main!(benches);
