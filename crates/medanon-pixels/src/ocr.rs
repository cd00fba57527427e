//! Optional OCR (`ocr` feature): read the text burned into a frame with the
//! system's Tesseract and find the words that match the header's
//! identifying values.
//!
//! Tesseract runs as the `tesseract` program (Debian's `tesseract-ocr`),
//! fed a greyscale PGM on standard input and asked for TSV (one row per
//! word with its box). Running the program rather than linking
//! `libtesseract` keeps the workspace free of `unsafe` code and of a C
//! build dependency; it is the same engine. When the program is missing,
//! [`Ocr::find`] returns [`Error::OcrUnavailable`](crate::Error) and the
//! other detectors still run.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::error::{Error, Result};
use crate::frame::{Frame, Region};

/// A word Tesseract read, with its box in frame pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    /// The word as read.
    pub text: String,
    /// Where it is.
    pub region: Region,
    /// Tesseract's confidence, 0 to 100.
    pub confidence: f32,
    /// Words with the same line number are on one text line.
    pub line: (u32, u32, u32),
}

/// The OCR engine and the identifying values to look for.
#[derive(Debug, Clone)]
pub struct Ocr {
    program: String,
    terms: Vec<String>,
}

impl Ocr {
    /// Looks for `terms` (names, IDs, dates as they appear in the header;
    /// see [`identifying_terms`](crate::identifying_terms)) with the
    /// `tesseract` program on `PATH`.
    pub fn new(terms: Vec<String>) -> Ocr {
        Ocr {
            program: "tesseract".to_owned(),
            terms: terms
                .into_iter()
                .map(|t| normalize(&t))
                .filter(|t| t.len() >= 3)
                .collect(),
        }
    }

    /// Uses another program path (for tests and unusual installs).
    pub fn with_program(mut self, program: impl Into<String>) -> Ocr {
        self.program = program.into();
        self
    }

    /// Whether the program runs.
    pub fn available(&self) -> bool {
        Command::new(&self.program)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// Every word Tesseract reads in `frame`.
    ///
    /// # Errors
    /// [`Error::OcrUnavailable`] when the program cannot be run or fails.
    pub fn read(&self, frame: &Frame) -> Result<Vec<Word>> {
        // Small burned-in text (10 to 15 pixels high) reads better enlarged.
        let scale = if frame.rows < 1200 && frame.columns < 1600 {
            2
        } else {
            1
        };
        let pgm = to_pgm(frame, scale);
        let mut child = Command::new(&self.program)
            .args(["stdin", "stdout", "--psm", "11", "tsv"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| Error::OcrUnavailable(format!("cannot run {}: {e}", self.program)))?;
        let mut stdin = child
            .stdin
            .take()
            .ok_or_else(|| Error::OcrUnavailable("no standard input".into()))?;
        // Write from another thread so a full output pipe cannot deadlock us.
        let writer = std::thread::spawn(move || stdin.write_all(&pgm));
        let output = child
            .wait_with_output()
            .map_err(|e| Error::OcrUnavailable(format!("{} failed: {e}", self.program)))?;
        let _ = writer.join();
        if !output.status.success() {
            return Err(Error::OcrUnavailable(format!(
                "{} exited with {}",
                self.program, output.status
            )));
        }
        Ok(parse_tsv(&String::from_utf8_lossy(&output.stdout), scale))
    }

    /// The regions to clean: every text line holding a word that matches
    /// an identifying term (the whole line: a name's other parts and the
    /// words around it go too), with a margin of 3 pixels.
    ///
    /// # Errors
    /// As [`Ocr::read`].
    pub fn find(&self, frame: &Frame) -> Result<Vec<Region>> {
        let words = self.read(frame)?;
        let mut lines: Vec<(u32, u32, u32)> = words
            .iter()
            .filter(|w| self.matches(&w.text))
            .map(|w| w.line)
            .collect();
        lines.sort_unstable();
        lines.dedup();
        let mut regions = Vec::new();
        for line in lines {
            let boxes: Vec<Region> = words
                .iter()
                .filter(|w| w.line == line)
                .map(|w| w.region)
                .collect();
            let x0 = boxes
                .iter()
                .map(|r| r.x)
                .min()
                .unwrap_or(0)
                .saturating_sub(3);
            let y0 = boxes
                .iter()
                .map(|r| r.y)
                .min()
                .unwrap_or(0)
                .saturating_sub(3);
            let x1 = boxes.iter().map(|r| r.x + r.width).max().unwrap_or(0) + 3;
            let y1 = boxes.iter().map(|r| r.y + r.height).max().unwrap_or(0) + 3;
            regions.push(
                Region {
                    x: x0,
                    y: y0,
                    width: x1 - x0,
                    height: y1 - y0,
                }
                .clip(frame.rows, frame.columns),
            );
        }
        Ok(regions)
    }

    /// Whether a word read in the image matches an identifying term: one
    /// contains the other (at least 4 characters of it, so truncated names
    /// such as `PATIENTFI...` match), after dropping case and punctuation.
    pub fn matches(&self, word: &str) -> bool {
        let w = normalize(word);
        if w.len() < 3 {
            return false;
        }
        self.terms.iter().any(|t| {
            t.contains(&w) && w.len() >= 4
                || w.contains(t.as_str())
                || (w.len() >= 4 && t.starts_with(&w))
        })
    }
}

/// Upper-case letters and digits only.
fn normalize(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

/// The frame as an 8-bit PGM, stretched over its own range (colour as
/// luminance), enlarged `scale` times.
fn to_pgm(frame: &Frame, scale: usize) -> Vec<u8> {
    let (rows, cols, s) = (frame.rows, frame.columns, frame.samples.max(1));
    let grey: Vec<i64> = frame
        .values
        .chunks(s)
        .map(|p| {
            if s >= 3 {
                (299 * p[0] + 587 * p[1] + 114 * p[2]) / 1000
            } else {
                p[0]
            }
        })
        .collect();
    let lo = grey.iter().copied().min().unwrap_or(0);
    let hi = grey.iter().copied().max().unwrap_or(0).max(lo + 1);
    let invert = frame.photometric == crate::frame::Photometric::Monochrome1;
    let mut out = format!("P5\n{} {}\n255\n", cols * scale, rows * scale).into_bytes();
    out.reserve(rows * cols * scale * scale);
    for r in 0..rows * scale {
        for c in 0..cols * scale {
            let v = grey[(r / scale) * cols + c / scale];
            let mut b = ((v - lo) * 255 / (hi - lo)) as u8;
            if invert {
                b = 255 - b;
            }
            out.push(b);
        }
    }
    out
}

/// Words from Tesseract's TSV (level 5 rows), boxes divided by `scale`.
fn parse_tsv(tsv: &str, scale: usize) -> Vec<Word> {
    tsv.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() < 12 || f[0] != "5" {
                return None;
            }
            let n = |i: usize| f[i].parse::<usize>().ok();
            let text = f[11].trim();
            if text.is_empty() {
                return None;
            }
            let (x, y, w, h) = (n(6)?, n(7)?, n(8)?, n(9)?);
            Some(Word {
                text: text.to_owned(),
                region: Region {
                    x: x / scale,
                    y: y / scale,
                    width: w.div_ceil(scale),
                    height: h.div_ceil(scale),
                },
                confidence: f[10].parse().unwrap_or(0.0),
                line: (n(2)? as u32, n(3)? as u32, n(4)? as u32),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_rows_become_words_in_frame_pixels() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
                   1\t1\t0\t0\t0\t0\t0\t0\t2048\t1536\t-1\t\n\
                   5\t1\t1\t1\t1\t1\t20\t10\t200\t30\t91.5\tZZZ\n\
                   5\t1\t1\t1\t1\t2\t240\t10\t300\t30\t88\tPATIENTFI\\..\n";
        let words = parse_tsv(tsv, 2);
        assert_eq!(words.len(), 2);
        assert_eq!(words[1].text, "PATIENTFI\\..");
        assert_eq!(
            words[1].region,
            Region {
                x: 120,
                y: 5,
                width: 150,
                height: 15
            }
        );
        assert_eq!(words[0].line, (1, 1, 1));
    }

    #[test]
    fn truncated_names_and_printed_dates_match() {
        let ocr = Ocr::new(vec![
            "ZZZ".into(),
            "PATIENTFIVE".into(),
            "19510829".into(),
            "08291951".into(),
            "00079241539".into(),
        ]);
        for word in [
            "PATIENTFI\\..",
            "patientfive",
            "08/29/1951",
            "00079241539",
            "ZZZ",
        ] {
            assert!(ocr.matches(word), "{word}");
        }
        for word in ["Adv", "Breast", "36Hz", "L12-5", "03/02/2017", "PAT"] {
            assert!(!ocr.matches(word), "{word}");
        }
    }

    #[test]
    fn pgm_is_stretched_and_enlarged() {
        let mut frame = Frame::new(2, 3, 1, crate::frame::Photometric::Monochrome2);
        frame.values = vec![0, 50, 100, 100, 50, 0];
        let pgm = to_pgm(&frame, 2);
        let header = b"P5\n6 4\n255\n";
        assert_eq!(&pgm[..header.len()], header);
        let pixels = &pgm[header.len()..];
        assert_eq!(pixels.len(), 24);
        assert_eq!(&pixels[..6], &[0, 0, 127, 127, 255, 255]);
    }
}
