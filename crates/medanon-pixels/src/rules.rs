//! Rules in the style of CTP's pixel anonymizer: conditions on header
//! attributes (Modality, Manufacturer, model, Rows, Columns) select
//! rectangles to clean, whatever the pixels show.
//!
//! Rules catch text the detector could miss (low contrast, unusual fonts)
//! in layouts known in advance. [`RuleSet::default_rules`] covers the header
//! bar of ultrasound images, where scanners print the patient's name,
//! identifiers, dates and institution; users add rules for their own
//! equipment in the recipe file:
//!
//! ```toml
//! [[pixels.rules]]
//! name = "Acme US top bar"
//! modality = "US"                  # equal, ignoring case
//! manufacturer = "acme"            # contained, ignoring case
//! model = "sono"                   # contained, ignoring case
//! rows = 480
//! columns = 640
//! regions = [[0, 0, 640, 60]]      # x, y, width, height in pixels
//! relative-regions = [[0.0, 0.9, 1.0, 0.1]]   # the same as fractions of columns and rows
//! ```
//!
//! Every condition is optional; a rule applies when all of its conditions
//! hold, and a condition on an attribute the object lacks does not hold.
//! Unknown keys in a rule are errors, so that a typo never silently
//! disables a rule.

use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::frame::Region;

/// The header attributes rules look at, as read from the object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attributes {
    /// Modality (0008,0060).
    pub modality: Option<String>,
    /// Manufacturer (0008,0070).
    pub manufacturer: Option<String>,
    /// Manufacturer's Model Name (0008,1090).
    pub model: Option<String>,
    /// Rows (0028,0010).
    pub rows: Option<usize>,
    /// Columns (0028,0011).
    pub columns: Option<usize>,
}

impl Attributes {
    /// Reads the attributes from `object`; absent, empty or unreadable
    /// ones are `None`.
    pub fn from_object(object: &InMemDicomObject) -> Attributes {
        let text = |tag| {
            object
                .get(tag)
                .and_then(|e| e.to_str().ok())
                .map(|s| s.trim_matches(|c: char| c == ' ' || c == '\0').to_owned())
                .filter(|s| !s.is_empty())
        };
        let number = |tag| {
            object
                .get(tag)
                .and_then(|e| e.to_int::<u32>().ok())
                .map(|n| n as usize)
        };
        Attributes {
            modality: text(tags::MODALITY),
            manufacturer: text(tags::MANUFACTURER),
            model: text(tags::MANUFACTURER_MODEL_NAME),
            rows: number(tags::ROWS),
            columns: number(tags::COLUMNS),
        }
    }
}

/// What a rule requires of the header; `None` means any value (or none).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conditions {
    /// Modality, compared ignoring case and surrounding spaces.
    pub modality: Option<String>,
    /// Contained in Manufacturer, ignoring case.
    pub manufacturer: Option<String>,
    /// Contained in Manufacturer's Model Name, ignoring case.
    pub model: Option<String>,
    /// Rows, exactly.
    pub rows: Option<usize>,
    /// Columns, exactly.
    pub columns: Option<usize>,
}

impl Conditions {
    /// Whether `attrs` satisfy every condition.
    pub fn hold_for(&self, attrs: &Attributes) -> bool {
        fn contains(want: &Option<String>, have: &Option<String>) -> bool {
            match (want, have) {
                (None, _) => true,
                (Some(w), Some(h)) => h.to_lowercase().contains(&w.trim().to_lowercase()),
                (Some(_), None) => false,
            }
        }
        let modality = match (&self.modality, &attrs.modality) {
            (None, _) => true,
            (Some(w), Some(h)) => w.trim().eq_ignore_ascii_case(h.trim()),
            (Some(_), None) => false,
        };
        let equal = |want: Option<usize>, have: Option<usize>| want.is_none() || want == have;
        modality
            && contains(&self.manufacturer, &attrs.manufacturer)
            && contains(&self.model, &attrs.model)
            && equal(self.rows, attrs.rows)
            && equal(self.columns, attrs.columns)
    }
}

/// A rectangle given as fractions (0 to 1) of the frame's columns (`x`,
/// `width`) and rows (`y`, `height`), for rules that hold for any size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RelativeRegion {
    /// First column, as a fraction of the columns.
    pub x: f64,
    /// First row, as a fraction of the rows.
    pub y: f64,
    /// Width, as a fraction of the columns.
    pub width: f64,
    /// Height, as a fraction of the rows.
    pub height: f64,
}

impl RelativeRegion {
    /// The pixels covered in a frame of `rows × columns`, rounded outwards.
    pub fn resolve(&self, rows: usize, columns: usize) -> Region {
        let span = |start: f64, len: f64, n: usize| {
            let n = n as f64;
            // The tolerance keeps 0.1 × 300 at 30 rows despite rounding.
            let a = (start * n + 1e-9).floor().clamp(0.0, n);
            let b = ((start + len) * n - 1e-9).ceil().clamp(a, n);
            (a as usize, (b - a) as usize)
        };
        let (x, width) = span(self.x, self.width, columns);
        let (y, height) = span(self.y, self.height, rows);
        Region {
            x,
            y,
            width,
            height,
        }
    }
}

/// One rule: where to clean when the header satisfies its conditions.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "RawRule")]
pub struct PixelRule {
    /// A name for reports, ending with the rule's origin in parentheses
    /// for the built-in rules.
    pub name: String,
    /// What the header must satisfy.
    pub when: Conditions,
    /// Rectangles in pixels.
    pub regions: Vec<Region>,
    /// Rectangles as fractions of the frame's size.
    pub relative_regions: Vec<RelativeRegion>,
}

impl PixelRule {
    /// Whether the rule applies to an object with `attrs`.
    pub fn matches(&self, attrs: &Attributes) -> bool {
        self.when.hold_for(attrs)
    }

    /// The rule's rectangles in pixels, clipped to the frame when Rows and
    /// Columns are known (relative ones need them and are left out
    /// otherwise); empty ones are left out.
    pub fn regions_for(&self, attrs: &Attributes) -> Vec<Region> {
        let mut out: Vec<Region> = match (attrs.rows, attrs.columns) {
            (Some(rows), Some(columns)) => self
                .regions
                .iter()
                .map(|r| r.clip(rows, columns))
                .chain(
                    self.relative_regions
                        .iter()
                        .map(|r| r.resolve(rows, columns)),
                )
                .collect(),
            _ => self.regions.clone(),
        };
        out.retain(|r| r.area() > 0);
        out
    }
}

/// An ordered list of rules; it deserializes from an array of rule tables
/// (the `rules` of a recipe's `[pixels]` table).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(transparent)]
pub struct RuleSet {
    /// The rules; every matching one contributes its regions.
    pub rules: Vec<PixelRule>,
}

impl RuleSet {
    /// The built-in rules. All are generic (not taken from any vendor's
    /// documentation):
    ///
    /// - "US top band": any ultrasound image, the full-width band of the
    ///   top 10 % of the rows, where scanners print the patient's name,
    ///   identifiers, date and institution.
    /// - "US W×H top bar" for the screen-capture sizes ultrasound scanners
    ///   commonly export (640×480, 800×600, 1024×768): the top eighth of
    ///   the rows, room for two lines of header text at those sizes.
    pub fn default_rules() -> RuleSet {
        let us = |rows| Conditions {
            modality: Some("US".to_owned()),
            rows,
            columns: rows.map(|r| r * 4 / 3),
            ..Conditions::default()
        };
        let mut rules = vec![PixelRule {
            name: "US top band (generic)".to_owned(),
            when: us(None),
            regions: Vec::new(),
            relative_regions: vec![RelativeRegion {
                x: 0.0,
                y: 0.0,
                width: 1.0,
                height: 0.10,
            }],
        }];
        for rows in [480, 600, 768] {
            let columns = rows * 4 / 3;
            rules.push(PixelRule {
                name: format!("US {columns}x{rows} top bar (generic)"),
                when: us(Some(rows)),
                regions: vec![Region {
                    x: 0,
                    y: 0,
                    width: columns,
                    height: rows / 8,
                }],
                relative_regions: Vec::new(),
            });
        }
        RuleSet { rules }
    }

    /// The rules of the `[[pixels.rules]]` array of a recipe document (none
    /// when it has no such array); the rest of the document is ignored.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for TOML syntax errors and invalid rules,
    /// naming the rule.
    pub fn from_toml_str(text: &str) -> Result<RuleSet> {
        let invalid = |e: String| Error::InvalidArgument(format!("pixel rules: {e}"));
        let doc: toml::Table = toml::from_str(text).map_err(|e| invalid(e.message().to_owned()))?;
        let Some(pixels) = doc.get("pixels") else {
            return Ok(RuleSet::default());
        };
        let pixels = pixels
            .as_table()
            .ok_or_else(|| invalid("`pixels` is not a table".to_owned()))?;
        let Some(rules) = pixels.get("rules") else {
            return Ok(RuleSet::default());
        };
        let rules: Vec<PixelRule> = rules
            .clone()
            .try_into()
            .map_err(|e: toml::de::Error| invalid(e.message().to_owned()))?;
        Ok(RuleSet { rules })
    }

    /// Appends `other`'s rules.
    pub fn extend(&mut self, other: RuleSet) {
        self.rules.extend(other.rules);
    }

    /// The rules that apply to an object with `attrs`.
    pub fn matching_rules<'a>(
        &'a self,
        attrs: &'a Attributes,
    ) -> impl Iterator<Item = &'a PixelRule> {
        self.rules.iter().filter(move |r| r.matches(attrs))
    }

    /// The regions of every rule that applies, without duplicates (see
    /// [`PixelRule::regions_for`]).
    pub fn matching(&self, attrs: &Attributes) -> Vec<Region> {
        let mut out: Vec<Region> = self
            .matching_rules(attrs)
            .flat_map(|r| r.regions_for(attrs))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawRule {
    name: String,
    modality: Option<String>,
    manufacturer: Option<String>,
    model: Option<String>,
    rows: Option<usize>,
    columns: Option<usize>,
    #[serde(default)]
    regions: Vec<[usize; 4]>,
    #[serde(default)]
    relative_regions: Vec<[f64; 4]>,
}

impl TryFrom<RawRule> for PixelRule {
    type Error = String;

    fn try_from(raw: RawRule) -> std::result::Result<Self, String> {
        let name = raw.name.trim().to_owned();
        if name.is_empty() {
            return Err("a rule has an empty name".to_owned());
        }
        if raw.regions.is_empty() && raw.relative_regions.is_empty() {
            return Err(format!(
                "rule `{name}` has neither `regions` nor `relative-regions`"
            ));
        }
        let mut regions = Vec::new();
        for (i, &[x, y, width, height]) in raw.regions.iter().enumerate() {
            if width == 0 || height == 0 {
                return Err(format!("rule `{name}`: region {} is empty", i + 1));
            }
            regions.push(Region {
                x,
                y,
                width,
                height,
            });
        }
        let mut relative_regions = Vec::new();
        for (i, &[x, y, width, height]) in raw.relative_regions.iter().enumerate() {
            let unit = |v: f64| v.is_finite() && (0.0..=1.0).contains(&v);
            let ok = [x, y, width, height].into_iter().all(unit)
                && width > 0.0
                && height > 0.0
                && x + width <= 1.0 + 1e-9
                && y + height <= 1.0 + 1e-9;
            if !ok {
                return Err(format!(
                    "rule `{name}`: relative region {} must be fractions from 0 to 1 inside the frame, \
                     with a non-zero width and height",
                    i + 1
                ));
            }
            relative_regions.push(RelativeRegion {
                x,
                y,
                width,
                height,
            });
        }
        let text = |s: Option<String>| s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        Ok(PixelRule {
            name,
            when: Conditions {
                modality: text(raw.modality),
                manufacturer: text(raw.manufacturer),
                model: text(raw.model),
                rows: raw.rows,
                columns: raw.columns,
            },
            regions,
            relative_regions,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dicom_core::value::PrimitiveValue;
    use dicom_core::{DataElement, VR};

    fn us(manufacturer: &str, model: &str, rows: usize, columns: usize) -> Attributes {
        Attributes {
            modality: Some("US".to_owned()),
            manufacturer: Some(manufacturer.to_owned()),
            model: Some(model.to_owned()),
            rows: Some(rows),
            columns: Some(columns),
        }
    }

    fn region(x: usize, y: usize, width: usize, height: usize) -> Region {
        Region {
            x,
            y,
            width,
            height,
        }
    }

    #[test]
    fn default_rules_cover_ultrasound_header_bars() {
        let rules = RuleSet::default_rules();
        // Any size: the top 10 % of the rows.
        let odd = us("Anyone", "X", 300, 400);
        assert_eq!(rules.matching(&odd), vec![region(0, 0, 400, 30)]);
        // A screen-capture size adds its top bar.
        let xga = us("Anyone", "X", 768, 1024);
        assert_eq!(
            rules.matching(&xga),
            vec![region(0, 0, 1024, 77), region(0, 0, 1024, 96)]
        );
        let names: Vec<_> = rules
            .matching_rules(&xga)
            .map(|r| r.name.as_str())
            .collect();
        assert_eq!(
            names,
            ["US top band (generic)", "US 1024x768 top bar (generic)"]
        );
        for (rows, columns, bar) in [(480, 640, 60), (600, 800, 75)] {
            let found = rules.matching(&us("", "", rows, columns));
            assert!(found.contains(&region(0, 0, columns, bar)), "{found:?}");
        }
        // Not ultrasound: nothing.
        let ct = Attributes {
            modality: Some("CT".to_owned()),
            ..xga.clone()
        };
        assert!(rules.matching(&ct).is_empty());
        assert!(rules.matching(&Attributes::default()).is_empty());
        // Modality compares ignoring case and padding.
        let lower = Attributes {
            modality: Some(" us ".to_owned()),
            ..odd
        };
        assert_eq!(rules.matching(&lower).len(), 1);
    }

    #[test]
    fn rules_from_a_recipe() {
        let text = r#"
            [profile]
            options = ["clean-descriptors"]

            [pixels]
            detect = true

            [[pixels.rules]]
            name = "Acme US top bar"
            modality = "US"
            manufacturer = "acme"
            rows = 480
            columns = 640
            regions = [[0, 0, 640, 60]]   # x, y, width, height

            [[pixels.rules]]
            name = "Sono bottom line"
            model = "Sono"
            regions = [[10, 20, 30, 40], [0, 0, 5, 5]]
            relative-regions = [[0.0, 0.9, 1.0, 0.1]]
        "#;
        let rules = RuleSet::from_toml_str(text).unwrap();
        assert_eq!(rules.rules.len(), 2);
        let acme = &rules.rules[0];
        assert_eq!(acme.name, "Acme US top bar");
        assert_eq!(acme.when.manufacturer.as_deref(), Some("acme"));
        assert_eq!(acme.regions, vec![region(0, 0, 640, 60)]);

        // Manufacturer: contained, ignoring case; sizes exact.
        assert_eq!(
            rules.matching(&us("ACME Medical", "m", 480, 640)),
            vec![region(0, 0, 640, 60)]
        );
        assert!(rules.matching(&us("Other", "m", 480, 640)).is_empty());
        assert!(rules.matching(&us("Acme", "m", 600, 800)).is_empty());
        let no_maker = Attributes {
            manufacturer: None,
            ..us("", "m", 480, 640)
        };
        assert!(rules.matching(&no_maker).is_empty());

        // Model only, any modality; relative regions resolved and everything clipped.
        let sono = Attributes {
            modality: Some("OT".to_owned()),
            ..us("x", "NanoSono 3", 50, 20)
        };
        assert_eq!(
            rules.matching(&sono),
            vec![
                region(0, 0, 5, 5),
                region(0, 45, 20, 5),
                region(10, 20, 10, 30)
            ]
        );
        // Without Rows and Columns, only the pixel regions, unclipped.
        let no_size = Attributes {
            rows: None,
            columns: None,
            ..sono
        };
        assert_eq!(
            rules.matching(&no_size),
            vec![region(0, 0, 5, 5), region(10, 20, 30, 40)]
        );

        let mut all = RuleSet::default_rules();
        all.extend(rules);
        assert_eq!(all.rules.len(), 6);
    }

    #[test]
    fn a_rule_set_deserializes_from_an_array() {
        #[derive(Deserialize)]
        struct Pixels {
            rules: RuleSet,
        }
        let pixels: Pixels =
            toml::from_str("[[rules]]\nname = \"a\"\nmodality = \"US\"\nregions = [[1, 2, 3, 4]]")
                .unwrap();
        assert_eq!(pixels.rules.rules.len(), 1);
        assert_eq!(pixels.rules.rules[0].when.modality.as_deref(), Some("US"));
    }

    #[test]
    fn documents_without_rules() {
        assert!(RuleSet::from_toml_str("").unwrap().rules.is_empty());
        assert!(
            RuleSet::from_toml_str("[profile]\noptions = []")
                .unwrap()
                .rules
                .is_empty()
        );
        assert!(
            RuleSet::from_toml_str("[pixels]\ndetect = true")
                .unwrap()
                .rules
                .is_empty()
        );
    }

    #[test]
    fn invalid_rules_are_errors() {
        let cases = [
            (
                "[[pixels.rules]]\nname = \"a\"\nregions = [[0, 0, 1, 1]]\nmanufaturer = \"x\"",
                "manufaturer",
            ),
            ("[[pixels.rules]]\nname = \"a\"", "neither"),
            (
                "[[pixels.rules]]\nname = \" \"\nregions = [[0, 0, 1, 1]]",
                "empty name",
            ),
            (
                "[[pixels.rules]]\nname = \"a\"\nregions = [[0, 0, 0, 1]]",
                "region 1 is empty",
            ),
            ("[[pixels.rules]]\nname = \"a\"\nregions = [[0, 0, 1]]", ""),
            (
                "[[pixels.rules]]\nname = \"a\"\nregions = [[-1, 0, 1, 1]]",
                "",
            ),
            (
                "[[pixels.rules]]\nname = \"a\"\nrelative-regions = [[0.5, 0, 0.6, 1]]",
                "relative region 1",
            ),
            (
                "[[pixels.rules]]\nname = \"a\"\nrelative-regions = [[0, 0, 0, 1]]",
                "relative region 1",
            ),
            ("pixels = 3", "not a table"),
            ("[[pixels.rules]\n", ""),
        ];
        for (text, needle) in cases {
            match RuleSet::from_toml_str(text) {
                Err(Error::InvalidArgument(msg)) => {
                    assert!(msg.contains(needle), "{text:?}: {msg}");
                    assert!(msg.starts_with("pixel rules: "), "{msg}");
                }
                other => panic!("{text:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn relative_regions_round_outwards() {
        let r = RelativeRegion {
            x: 0.25,
            y: 0.0,
            width: 0.5,
            height: 0.1,
        };
        assert_eq!(r.resolve(768, 1024), region(256, 0, 512, 77));
        assert_eq!(r.resolve(5, 3), region(0, 0, 3, 1));
        assert_eq!(r.resolve(0, 0), region(0, 0, 0, 0));
    }

    #[test]
    fn attributes_from_an_object() {
        let object = InMemDicomObject::from_element_iter([
            DataElement::new(tags::MODALITY, VR::CS, PrimitiveValue::from("US")),
            DataElement::new(
                tags::MANUFACTURER,
                VR::LO,
                PrimitiveValue::from("Acme Medical "),
            ),
            DataElement::new(
                tags::MANUFACTURER_MODEL_NAME,
                VR::LO,
                PrimitiveValue::from(""),
            ),
            DataElement::new(tags::ROWS, VR::US, PrimitiveValue::from(480_u16)),
            DataElement::new(tags::COLUMNS, VR::US, PrimitiveValue::from(640_u16)),
        ]);
        let attrs = Attributes::from_object(&object);
        assert_eq!(
            attrs,
            Attributes {
                modality: Some("US".to_owned()),
                manufacturer: Some("Acme Medical".to_owned()),
                model: None,
                rows: Some(480),
                columns: Some(640),
            }
        );
        assert_eq!(
            Attributes::from_object(&InMemDicomObject::new_empty()),
            Attributes::default()
        );
    }
}
