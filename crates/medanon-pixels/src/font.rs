//! A small bitmap font of this project's own design, for drawing text into
//! frames: the pseudonym that replaces burned-in text, and the synthetic
//! text the detector's tests draw.
//!
//! Every glyph is 5 pixels wide and 7 high (lowercase letters sit on the
//! same baseline, their tails folded inside the 7 rows), drawn with
//! one-pixel strokes; characters advance by 6 pixels, and a `scale` of `n`
//! draws each font pixel as an `n × n` block. Printable ASCII is covered;
//! any other character is drawn as a hollow box.

use crate::frame::{Frame, Region};

/// Width of a glyph, in font pixels.
pub const GLYPH_WIDTH: usize = 5;
/// Height of a glyph (and of a line of text), in font pixels.
pub const GLYPH_HEIGHT: usize = 7;
/// Horizontal distance from one character to the next, in font pixels.
pub const ADVANCE: usize = GLYPH_WIDTH + 1;

/// The size in pixels, `(width, height)`, of `text` drawn at `scale`
/// (`(0, 0)` for empty text or a zero scale).
pub fn text_size(text: &str, scale: usize) -> (usize, usize) {
    let n = text.chars().count();
    if n == 0 || scale == 0 {
        return (0, 0);
    }
    ((n * ADVANCE - 1) * scale, GLYPH_HEIGHT * scale)
}

/// Draws `text` with its top-left corner at column `x`, row `y`, each font
/// pixel as a `scale × scale` block set to `value` (one value per sample;
/// samples beyond `value`'s length take its last value). Pixels that fall
/// outside the frame are skipped; nothing is drawn for an empty `value`.
pub fn draw_text(frame: &mut Frame, x: usize, y: usize, text: &str, scale: usize, value: &[i64]) {
    let clip = Region {
        x: 0,
        y: 0,
        width: frame.columns,
        height: frame.rows,
    };
    draw_text_clipped(frame, x, y, text, scale, value, clip);
}

/// As [`draw_text`], changing only pixels inside `clip`.
pub(crate) fn draw_text_clipped(
    frame: &mut Frame,
    x: usize,
    y: usize,
    text: &str,
    scale: usize,
    value: &[i64],
    clip: Region,
) {
    let Some(&last) = value.last() else {
        return;
    };
    let clip = clip.clip(frame.rows, frame.columns);
    let samples = frame.samples;
    for (i, c) in text.chars().enumerate() {
        let rows = glyph(c);
        let gx = x + i * ADVANCE * scale;
        for (r, bits) in rows.iter().enumerate() {
            for col in 0..GLYPH_WIDTH {
                if bits & (1 << (GLYPH_WIDTH - 1 - col)) == 0 {
                    continue;
                }
                for dy in 0..scale {
                    let row = y + r * scale + dy;
                    for dx in 0..scale {
                        let column = gx + col * scale + dx;
                        if !clip.contains(row, column) {
                            continue;
                        }
                        let base = (row * frame.columns + column) * samples;
                        for s in 0..samples {
                            frame.values[base + s] = value.get(s).copied().unwrap_or(last);
                        }
                    }
                }
            }
        }
    }
}

/// The rows of `c`'s glyph, the leftmost column in bit 4.
fn glyph(c: char) -> [u8; GLYPH_HEIGHT] {
    let code = c as u32;
    if (0x20..0x7f).contains(&code) {
        ASCII[(code - 0x20) as usize]
    } else {
        UNKNOWN
    }
}

/// Turns a drawing (`#` on, anything else off) into glyph rows.
const fn g(rows: [&str; GLYPH_HEIGHT]) -> [u8; GLYPH_HEIGHT] {
    let mut out = [0u8; GLYPH_HEIGHT];
    let mut r = 0;
    while r < GLYPH_HEIGHT {
        let bytes = rows[r].as_bytes();
        let mut c = 0;
        while c < GLYPH_WIDTH && c < bytes.len() {
            if bytes[c] == b'#' {
                out[r] |= 1 << (GLYPH_WIDTH - 1 - c);
            }
            c += 1;
        }
        r += 1;
    }
    out
}

const UNKNOWN: [u8; GLYPH_HEIGHT] = g([
    "#####", "#...#", "#...#", "#...#", "#...#", "#...#", "#####",
]);

/// Glyphs of the printable ASCII characters, from space (0x20) to `~` (0x7e).
#[rustfmt::skip]
const ASCII: [[u8; GLYPH_HEIGHT]; 95] = [
    g([".....", ".....", ".....", ".....", ".....", ".....", "....."]), // space
    g(["..#..", "..#..", "..#..", "..#..", "..#..", ".....", "..#.."]), // !
    g([".#.#.", ".#.#.", ".#.#.", ".....", ".....", ".....", "....."]), // "
    g([".#.#.", ".#.#.", "#####", ".#.#.", "#####", ".#.#.", ".#.#."]), // #
    g(["..#..", ".####", "#.#..", ".###.", "..#.#", "####.", "..#.."]), // $
    g(["##...", "##..#", "...#.", "..#..", ".#...", "#..##", "...##"]), // %
    g([".##..", "#..#.", "#.#..", ".#...", "#.#.#", "#..#.", ".##.#"]), // &
    g(["..#..", "..#..", ".#...", ".....", ".....", ".....", "....."]), // '
    g(["...#.", "..#..", ".#...", ".#...", ".#...", "..#..", "...#."]), // (
    g([".#...", "..#..", "...#.", "...#.", "...#.", "..#..", ".#..."]), // )
    g([".....", "..#..", "#.#.#", ".###.", "#.#.#", "..#..", "....."]), // *
    g([".....", "..#..", "..#..", "#####", "..#..", "..#..", "....."]), // +
    g([".....", ".....", ".....", ".....", ".##..", "..#..", ".#..."]), // ,
    g([".....", ".....", ".....", "#####", ".....", ".....", "....."]), // -
    g([".....", ".....", ".....", ".....", ".....", ".##..", ".##.."]), // .
    g([".....", "....#", "...#.", "..#..", ".#...", "#....", "....."]), // /
    g([".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."]), // 0
    g(["..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."]), // 1
    g([".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"]), // 2
    g([".###.", "#...#", "....#", "..##.", "....#", "#...#", ".###."]), // 3
    g(["...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."]), // 4
    g(["#####", "#....", "####.", "....#", "....#", "#...#", ".###."]), // 5
    g(["..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."]), // 6
    g(["#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."]), // 7
    g([".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."]), // 8
    g([".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."]), // 9
    g([".....", ".##..", ".##..", ".....", ".##..", ".##..", "....."]), // :
    g([".....", ".##..", ".##..", ".....", ".##..", "..#..", ".#..."]), // ;
    g(["...#.", "..#..", ".#...", "#....", ".#...", "..#..", "...#."]), // <
    g([".....", ".....", "#####", ".....", "#####", ".....", "....."]), // =
    g([".#...", "..#..", "...#.", "....#", "...#.", "..#..", ".#..."]), // >
    g([".###.", "#...#", "....#", "...#.", "..#..", ".....", "..#.."]), // ?
    g([".###.", "#...#", "#.###", "#.#.#", "#.###", "#....", ".###."]), // @
    g([".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"]), // A
    g(["####.", "#...#", "#...#", "####.", "#...#", "#...#", "####."]), // B
    g([".###.", "#...#", "#....", "#....", "#....", "#...#", ".###."]), // C
    g(["####.", "#...#", "#...#", "#...#", "#...#", "#...#", "####."]), // D
    g(["#####", "#....", "#....", "####.", "#....", "#....", "#####"]), // E
    g(["#####", "#....", "#....", "####.", "#....", "#....", "#...."]), // F
    g([".###.", "#...#", "#....", "#.###", "#...#", "#...#", ".####"]), // G
    g(["#...#", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"]), // H
    g([".###.", "..#..", "..#..", "..#..", "..#..", "..#..", ".###."]), // I
    g(["..###", "...#.", "...#.", "...#.", "...#.", "#..#.", ".##.."]), // J
    g(["#...#", "#..#.", "#.#..", "##...", "#.#..", "#..#.", "#...#"]), // K
    g(["#....", "#....", "#....", "#....", "#....", "#....", "#####"]), // L
    g(["#...#", "##.##", "#.#.#", "#.#.#", "#...#", "#...#", "#...#"]), // M
    g(["#...#", "#...#", "##..#", "#.#.#", "#..##", "#...#", "#...#"]), // N
    g([".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."]), // O
    g(["####.", "#...#", "#...#", "####.", "#....", "#....", "#...."]), // P
    g([".###.", "#...#", "#...#", "#...#", "#.#.#", "#..#.", ".##.#"]), // Q
    g(["####.", "#...#", "#...#", "####.", "#.#..", "#..#.", "#...#"]), // R
    g([".####", "#....", "#....", ".###.", "....#", "....#", "####."]), // S
    g(["#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."]), // T
    g(["#...#", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."]), // U
    g(["#...#", "#...#", "#...#", "#...#", "#...#", ".#.#.", "..#.."]), // V
    g(["#...#", "#...#", "#...#", "#.#.#", "#.#.#", "#.#.#", ".#.#."]), // W
    g(["#...#", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", "#...#"]), // X
    g(["#...#", "#...#", ".#.#.", "..#..", "..#..", "..#..", "..#.."]), // Y
    g(["#####", "....#", "...#.", "..#..", ".#...", "#....", "#####"]), // Z
    g([".###.", ".#...", ".#...", ".#...", ".#...", ".#...", ".###."]), // [
    g([".....", "#....", ".#...", "..#..", "...#.", "....#", "....."]), // \
    g([".###.", "...#.", "...#.", "...#.", "...#.", "...#.", ".###."]), // ]
    g(["..#..", ".#.#.", "#...#", ".....", ".....", ".....", "....."]), // ^
    g([".....", ".....", ".....", ".....", ".....", ".....", "#####"]), // _
    g([".#...", "..#..", "...#.", ".....", ".....", ".....", "....."]), // `
    g([".....", ".....", ".###.", "....#", ".####", "#...#", ".####"]), // a
    g(["#....", "#....", "####.", "#...#", "#...#", "#...#", "####."]), // b
    g([".....", ".....", ".###.", "#....", "#....", "#...#", ".###."]), // c
    g(["....#", "....#", ".####", "#...#", "#...#", "#...#", ".####"]), // d
    g([".....", ".....", ".###.", "#...#", "#####", "#....", ".###."]), // e
    g(["..##.", ".#..#", ".#...", "###..", ".#...", ".#...", ".#..."]), // f
    g([".....", ".####", "#...#", "#...#", ".####", "....#", ".###."]), // g
    g(["#....", "#....", "#.##.", "##..#", "#...#", "#...#", "#...#"]), // h
    g(["..#..", ".....", ".##..", "..#..", "..#..", "..#..", ".###."]), // i
    g(["...#.", ".....", "..##.", "...#.", "...#.", "#..#.", ".##.."]), // j
    g(["#....", "#....", "#..#.", "#.#..", "##...", "#.#..", "#..#."]), // k
    g([".##..", "..#..", "..#..", "..#..", "..#..", "..#..", ".###."]), // l
    g([".....", ".....", "##.#.", "#.#.#", "#.#.#", "#...#", "#...#"]), // m
    g([".....", ".....", "#.##.", "##..#", "#...#", "#...#", "#...#"]), // n
    g([".....", ".....", ".###.", "#...#", "#...#", "#...#", ".###."]), // o
    g([".....", "####.", "#...#", "#...#", "####.", "#....", "#...."]), // p
    g([".....", ".####", "#...#", "#...#", ".####", "....#", "....#"]), // q
    g([".....", ".....", "#.##.", "##..#", "#....", "#....", "#...."]), // r
    g([".....", ".....", ".####", "#....", ".###.", "....#", "####."]), // s
    g([".#...", ".#...", "###..", ".#...", ".#...", ".#..#", "..##."]), // t
    g([".....", ".....", "#...#", "#...#", "#...#", "#..##", ".##.#"]), // u
    g([".....", ".....", "#...#", "#...#", "#...#", ".#.#.", "..#.."]), // v
    g([".....", ".....", "#...#", "#...#", "#.#.#", "#.#.#", ".#.#."]), // w
    g([".....", ".....", "#...#", ".#.#.", "..#..", ".#.#.", "#...#"]), // x
    g([".....", "#...#", "#...#", "#...#", ".####", "....#", ".###."]), // y
    g([".....", ".....", "#####", "...#.", "..#..", ".#...", "#####"]), // z
    g(["...##", "..#..", "..#..", ".#...", "..#..", "..#..", "...##"]), // {
    g(["..#..", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."]), // |
    g(["##...", "..#..", "..#..", "...#.", "..#..", "..#..", "##..."]), // }
    g([".....", ".....", ".#...", "#.#.#", "...#.", ".....", "....."]), // ~
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::Photometric;

    /// The frame as text: `#` where the first sample is non-zero.
    fn ascii(frame: &Frame) -> Vec<String> {
        (0..frame.rows)
            .map(|r| {
                (0..frame.columns)
                    .map(|c| {
                        if frame.get(r, c, 0) == Some(0) {
                            '.'
                        } else {
                            '#'
                        }
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn sizes() {
        assert_eq!(text_size("", 3), (0, 0));
        assert_eq!(text_size("A", 1), (5, 7));
        assert_eq!(text_size("AB", 1), (11, 7));
        assert_eq!(text_size("ANON^1", 3), ((6 * 6 - 1) * 3, 21));
        assert_eq!(text_size("é", 2), (10, 14));
    }

    #[test]
    fn draws_glyphs_at_scale() {
        let mut frame = Frame::new(9, 13, 1, Photometric::Monochrome2);
        draw_text(&mut frame, 1, 1, "T1", 1, &[7]);
        let expected = [
            ".............",
            ".#####...#...",
            "...#....##...",
            "...#.....#...",
            "...#.....#...",
            "...#.....#...",
            "...#.....#...",
            "...#....###..",
            ".............",
        ];
        assert_eq!(ascii(&frame), expected);
        assert!(frame.values.iter().all(|&v| v == 0 || v == 7));

        let mut big = Frame::new(14, 10, 1, Photometric::Monochrome2);
        draw_text(&mut big, 0, 0, "L", 2, &[1]);
        let rows = ascii(&big);
        assert_eq!(rows[0], "##........");
        assert_eq!(rows[13], "##########");
    }

    #[test]
    fn colour_values_and_clipping() {
        let mut frame = Frame::new(5, 4, 3, Photometric::Rgb);
        // Mostly outside the frame: clipped, no panic.
        draw_text(&mut frame, 2, 2, "H", 1, &[10, 20]);
        assert_eq!(frame.get(2, 2, 0), Some(10));
        assert_eq!(frame.get(2, 2, 1), Some(20));
        assert_eq!(frame.get(2, 2, 2), Some(20));
        assert_eq!(frame.get(2, 3, 0), Some(0));
        draw_text(&mut frame, 100, 100, "H", 4, &[1]);
        draw_text(&mut frame, 0, 0, "H", 1, &[]);
        // Rows 2 to 4 of the left stroke are inside: three pixels.
        assert_eq!(frame.values.iter().filter(|&&v| v != 0).count(), 3 * 3);
    }

    #[test]
    fn every_printable_glyph_is_distinct_and_in_bounds() {
        let mut seen = std::collections::HashMap::new();
        for code in 0x21u8..0x7f {
            let rows = glyph(code as char);
            assert!(rows.iter().all(|&r| r < 1 << GLYPH_WIDTH));
            assert!(rows.iter().any(|&r| r != 0), "{} is blank", code as char);
            if let Some(other) = seen.insert(rows, code as char) {
                panic!("{} and {other} look the same", code as char);
            }
        }
        assert_eq!(glyph(' '), [0; GLYPH_HEIGHT]);
        assert_eq!(glyph('\u{e9}'), UNKNOWN);
    }
}
