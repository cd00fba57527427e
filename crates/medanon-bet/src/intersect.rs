//! Step 4's self-intersection test: does any edge of the surface pass
//! through a triangle it is not part of?
//!
//! Two triangles in general position intersect exactly when an edge of one
//! crosses the other, so testing every edge against the nearby triangles
//! that share none of its vertices finds every intersection. A uniform grid
//! of cells about two edge lengths wide keeps the candidates few.

use std::collections::HashMap;

use crate::mesh::{cross, dot, mean_edge_length, sub};

pub(crate) fn self_intersects(vertices: &[[f64; 3]], triangles: &[[u32; 3]]) -> bool {
    // A vertex gone to infinity or NaN counts as a broken surface.
    if vertices.iter().flatten().any(|v| !v.is_finite()) {
        return true;
    }
    if triangles.len() < 4 {
        return false;
    }
    let cell = (2.0 * mean_edge_length(vertices, triangles)).max(1e-6);
    let key = |p: [f64; 3]| -> [i64; 3] { std::array::from_fn(|i| (p[i] / cell).floor() as i64) };
    let mut grid: HashMap<[i64; 3], Vec<u32>> = HashMap::new();
    for (t, tri) in triangles.iter().enumerate() {
        let (lo, hi) = bounds(tri.iter().map(|&v| vertices[v as usize]));
        let (lo, hi) = (key(lo), key(hi));
        for x in lo[0]..=hi[0] {
            for y in lo[1]..=hi[1] {
                for z in lo[2]..=hi[2] {
                    grid.entry([x, y, z]).or_default().push(t as u32);
                }
            }
        }
    }
    for &[a, b, c] in triangles {
        for (p, q) in [(a, b), (b, c), (c, a)] {
            // Each edge appears in two triangles; test it once.
            if p > q {
                continue;
            }
            let (pp, pq) = (vertices[p as usize], vertices[q as usize]);
            let (lo, hi) = bounds([pp, pq].into_iter());
            let (lo, hi) = (key(lo), key(hi));
            for x in lo[0]..=hi[0] {
                for y in lo[1]..=hi[1] {
                    for z in lo[2]..=hi[2] {
                        let Some(cands) = grid.get(&[x, y, z]) else {
                            continue;
                        };
                        for &t in cands {
                            let tri = triangles[t as usize];
                            if tri.contains(&p) || tri.contains(&q) {
                                continue;
                            }
                            let [ta, tb, tc] = tri.map(|v| vertices[v as usize]);
                            if segment_hits_triangle(pp, pq, ta, tb, tc) {
                                return true;
                            }
                        }
                    }
                }
            }
        }
    }
    false
}

fn bounds(points: impl Iterator<Item = [f64; 3]>) -> ([f64; 3], [f64; 3]) {
    let mut lo = [f64::INFINITY; 3];
    let mut hi = [f64::NEG_INFINITY; 3];
    for p in points {
        for i in 0..3 {
            lo[i] = lo[i].min(p[i]);
            hi[i] = hi[i].max(p[i]);
        }
    }
    (lo, hi)
}

/// Möller–Trumbore: does the segment `p`–`q` cross triangle `a b c`?
fn segment_hits_triangle(p: [f64; 3], q: [f64; 3], a: [f64; 3], b: [f64; 3], c: [f64; 3]) -> bool {
    const EPS: f64 = 1e-12;
    let d = sub(q, p);
    let e1 = sub(b, a);
    let e2 = sub(c, a);
    let h = cross(d, e2);
    let det = dot(e1, h);
    if det.abs() < EPS {
        return false;
    }
    let inv = 1.0 / det;
    let s = sub(p, a);
    let u = inv * dot(s, h);
    if !(0.0..=1.0).contains(&u) {
        return false;
    }
    let qv = cross(s, e1);
    let v = inv * dot(d, qv);
    if v < 0.0 || u + v > 1.0 {
        return false;
    }
    let t = inv * dot(e2, qv);
    (0.0..=1.0).contains(&t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mesh::Mesh;

    #[test]
    fn a_sphere_does_not_intersect_itself() {
        let m = Mesh::icosphere(4);
        assert!(!m.self_intersects());
    }

    #[test]
    fn a_vertex_pushed_through_the_far_side_intersects() {
        let mut m = Mesh::icosphere(3);
        // Push one vertex through the sphere and out of the opposite side.
        m.vertices[0] = m.vertices[0].map(|x| -1.5 * x);
        assert!(m.self_intersects());
    }

    #[test]
    fn a_dent_does_not_intersect_but_a_fold_does() {
        let mut m = Mesh::icosphere(3);
        m.vertices[5] = m.vertices[5].map(|x| 0.8 * x);
        assert!(!m.self_intersects(), "a dent is fine");
        let mut m = Mesh::icosphere(3);
        // Swap two distant vertices: the triangles around them now cross.
        m.vertices.swap(1, 200);
        assert!(m.self_intersects());
    }

    #[test]
    fn segment_crossing() {
        let (a, b, c) = ([0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]);
        assert!(segment_hits_triangle(
            [0.2, 0.2, -1.0],
            [0.2, 0.2, 1.0],
            a,
            b,
            c
        ));
        assert!(!segment_hits_triangle(
            [0.2, 0.2, 0.5],
            [0.2, 0.2, 1.0],
            a,
            b,
            c
        ));
        assert!(!segment_hits_triangle(
            [0.9, 0.9, -1.0],
            [0.9, 0.9, 1.0],
            a,
            b,
            c
        ));
    }
}
