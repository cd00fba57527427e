#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Read;

use super::*;

/// CRC-32 (IEEE, reflected, table-driven), written independently of flate2.
fn crc32(data: &[u8]) -> u32 {
    let table: Vec<u32> = (0..256u32)
        .map(|n| {
            (0..8).fold(n, |c, _| {
                if c & 1 == 1 {
                    0xedb8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                }
            })
        })
        .collect();
    !data.iter().fold(!0u32, |c, &b| {
        table[((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8)
    })
}

/// A minimal PNG decoder for 8-bit gray/RGB, non-interlaced: checks every
/// chunk CRC and returns the image and the filter types used.
pub(crate) fn decode(bytes: &[u8]) -> (Image, Vec<u8>) {
    assert_eq!(&bytes[..8], &SIGNATURE, "signature");
    let mut pos = 8;
    let (mut width, mut height, mut channels) = (0, 0, 0);
    let mut idat = Vec::new();
    let mut kinds = Vec::new();
    while pos < bytes.len() {
        let len = u32::from_be_bytes(bytes[pos..pos + 4].try_into().unwrap()) as usize;
        let kind = &bytes[pos + 4..pos + 8];
        let data = &bytes[pos + 8..pos + 8 + len];
        let crc = u32::from_be_bytes(bytes[pos + 8 + len..pos + 12 + len].try_into().unwrap());
        assert_eq!(
            crc,
            crc32(&bytes[pos + 4..pos + 8 + len]),
            "CRC of {kind:?}"
        );
        kinds.push(kind.to_vec());
        match kind {
            b"IHDR" => {
                assert_eq!(len, 13);
                width = u32::from_be_bytes(data[..4].try_into().unwrap()) as usize;
                height = u32::from_be_bytes(data[4..8].try_into().unwrap()) as usize;
                assert_eq!(data[8], 8, "bit depth");
                channels = match data[9] {
                    0 => 1,
                    2 => 3,
                    other => panic!("colour type {other}"),
                };
                assert_eq!(&data[10..], &[0, 0, 0]);
            }
            b"IDAT" => idat.extend_from_slice(data),
            b"IEND" => assert_eq!(len, 0),
            other => panic!("unexpected chunk {other:?}"),
        }
        pos += 12 + len;
    }
    assert_eq!(pos, bytes.len());
    assert_eq!(kinds.first().unwrap(), b"IHDR");
    assert_eq!(kinds.last().unwrap(), b"IEND");
    let mut raw = Vec::new();
    flate2::read::ZlibDecoder::new(&idat[..])
        .read_to_end(&mut raw)
        .unwrap();
    let stride = width * channels;
    assert_eq!(raw.len(), height * (stride + 1));
    let mut pixels = vec![0u8; height * stride];
    let mut filters = Vec::new();
    for r in 0..height {
        let line = &raw[r * (stride + 1)..(r + 1) * (stride + 1)];
        filters.push(line[0]);
        for x in 0..stride {
            let a = if x >= channels {
                pixels[r * stride + x - channels]
            } else {
                0
            };
            let b = if r > 0 {
                pixels[(r - 1) * stride + x]
            } else {
                0
            };
            let c = if r > 0 && x >= channels {
                pixels[(r - 1) * stride + x - channels]
            } else {
                0
            };
            let predicted = match line[0] {
                0 => 0,
                1 => a,
                2 => b,
                3 => ((u16::from(a) + u16::from(b)) / 2) as u8,
                4 => paeth(a, b, c),
                other => panic!("filter {other}"),
            };
            pixels[r * stride + x] = line[x + 1].wrapping_add(predicted);
        }
    }
    let image = Image {
        width,
        height,
        channels,
        pixels,
    };
    (image, filters)
}

fn sample(width: usize, height: usize, channels: usize) -> Image {
    let mut seed = 12345u32;
    let mut pixels = Vec::with_capacity(width * height * channels);
    for y in 0..height {
        for x in 0..width {
            for c in 0..channels {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                let v = match y % 4 {
                    0 => x * 3 + c * 40,
                    1 => y * 5,
                    2 => (x * y) / 3,
                    _ => (seed >> 16) as usize,
                };
                pixels.push((v % 256) as u8);
            }
        }
    }
    Image {
        width,
        height,
        channels,
        pixels,
    }
}

#[test]
fn crc_matches_the_reference_value() {
    assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
    let mut crc = flate2::Crc::new();
    crc.update(b"123456789");
    assert_eq!(crc.sum(), 0xcbf4_3926);
}

#[test]
fn gray_and_rgb_round_trip_through_the_decoder() {
    for channels in [1, 3] {
        let image = sample(37, 23, channels);
        let bytes = image.encode_png().unwrap();
        let (back, filters) = decode(&bytes);
        assert_eq!(back, image, "{channels} channels");
        let mut kinds = filters.clone();
        kinds.sort_unstable();
        kinds.dedup();
        assert!(
            kinds.len() >= 2,
            "adaptive filtering uses several types: {filters:?}"
        );
    }
    let one = Image::gray(1, 1, vec![200]).unwrap();
    assert_eq!(decode(&one.encode_png().unwrap()).0, one);
}

#[test]
fn filtering_compresses_a_gradient() {
    let width = 256;
    let pixels: Vec<u8> = (0..width * width)
        .map(|i| ((i % width) + (i / width)) as u8)
        .collect();
    let image = Image::gray(width, width, pixels).unwrap();
    let bytes = image.encode_png().unwrap();
    assert!(bytes.len() < 2_000, "gradient took {} bytes", bytes.len());
}

#[test]
fn bad_images_are_refused() {
    assert!(Image::gray(4, 4, vec![0; 15]).is_err());
    assert!(Image::new(0, 3, 1).encode_png().is_err());
    assert!(Image::new(3, 3, 2).encode_png().is_err());
}

#[test]
fn write_png_is_atomic_and_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("view.png");
    let image = sample(10, 7, 3);
    image.write_png(&path).unwrap();
    sample(3, 3, 1).write_png(&path).unwrap(); // replaces
    let (back, _) = decode(&std::fs::read(&path).unwrap());
    assert_eq!(back, sample(3, 3, 1));
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("view.png")]);

    let missing = dir.path().join("no such dir").join("x.png");
    let err = image.write_png(&missing).unwrap_err();
    assert!(matches!(err, Error::Write { .. }), "{err}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn pillow_opens_the_png() {
    let dir = tempfile::tempdir().unwrap();
    for (channels, mode) in [(1, "L"), (3, "RGB")] {
        let image = sample(19, 11, channels);
        let path = dir.path().join(format!("{mode}.png"));
        image.write_png(&path).unwrap();
        let script = "import sys\nfrom PIL import Image\nim = Image.open(sys.argv[1])\nim.load()\n\
                      print(im.mode, im.size[0], im.size[1], im.tobytes().hex())";
        let out = std::process::Command::new("python3")
            .args(["-c", script])
            .arg(&path)
            .output();
        let out = match out {
            Ok(o) if o.status.success() => String::from_utf8(o.stdout).unwrap(),
            _ => {
                println!("SKIPPED: python3 with Pillow is not available");
                return;
            }
        };
        let fields: Vec<&str> = out.split_whitespace().collect();
        assert_eq!(fields[0], mode);
        assert_eq!(fields[1..3], ["19", "11"]);
        let hex: String = image.pixels.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(fields[3], hex);
    }
}
