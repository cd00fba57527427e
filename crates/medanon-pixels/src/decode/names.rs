//! The names of the transfer syntaxes of the standard (PS3.6 Table A-1),
//! for error messages.

/// The transfer syntaxes of the standard (PS3.6 Table A-1), with their names.
pub(super) const TRANSFER_SYNTAX_NAMES: &[(&str, &str)] = &[
    ("1.2.840.10008.1.2", "Implicit VR Little Endian"),
    ("1.2.840.10008.1.2.1", "Explicit VR Little Endian"),
    (
        "1.2.840.10008.1.2.1.98",
        "Encapsulated Uncompressed Explicit VR Little Endian",
    ),
    (
        "1.2.840.10008.1.2.1.99",
        "Deflated Explicit VR Little Endian",
    ),
    ("1.2.840.10008.1.2.2", "Explicit VR Big Endian"),
    ("1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)"),
    ("1.2.840.10008.1.2.4.51", "JPEG Extended (Process 2 & 4)"),
    (
        "1.2.840.10008.1.2.4.57",
        "JPEG Lossless, Non-Hierarchical (Process 14)",
    ),
    (
        "1.2.840.10008.1.2.4.70",
        "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])",
    ),
    (
        "1.2.840.10008.1.2.4.80",
        "JPEG-LS Lossless Image Compression",
    ),
    (
        "1.2.840.10008.1.2.4.81",
        "JPEG-LS Lossy (Near-Lossless) Image Compression",
    ),
    (
        "1.2.840.10008.1.2.4.90",
        "JPEG 2000 Image Compression (Lossless Only)",
    ),
    ("1.2.840.10008.1.2.4.91", "JPEG 2000 Image Compression"),
    (
        "1.2.840.10008.1.2.4.92",
        "JPEG 2000 Part 2 Multi-component Image Compression (Lossless Only)",
    ),
    (
        "1.2.840.10008.1.2.4.93",
        "JPEG 2000 Part 2 Multi-component Image Compression",
    ),
    ("1.2.840.10008.1.2.4.94", "JPIP Referenced"),
    ("1.2.840.10008.1.2.4.95", "JPIP Referenced Deflate"),
    ("1.2.840.10008.1.2.4.100", "MPEG2 Main Profile / Main Level"),
    (
        "1.2.840.10008.1.2.4.100.1",
        "Fragmentable MPEG2 Main Profile / Main Level",
    ),
    ("1.2.840.10008.1.2.4.101", "MPEG2 Main Profile / High Level"),
    (
        "1.2.840.10008.1.2.4.101.1",
        "Fragmentable MPEG2 Main Profile / High Level",
    ),
    (
        "1.2.840.10008.1.2.4.102",
        "MPEG-4 AVC/H.264 High Profile / Level 4.1",
    ),
    (
        "1.2.840.10008.1.2.4.102.1",
        "Fragmentable MPEG-4 AVC/H.264 High Profile / Level 4.1",
    ),
    (
        "1.2.840.10008.1.2.4.103",
        "MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1",
    ),
    (
        "1.2.840.10008.1.2.4.103.1",
        "Fragmentable MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1",
    ),
    (
        "1.2.840.10008.1.2.4.104",
        "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video",
    ),
    (
        "1.2.840.10008.1.2.4.104.1",
        "Fragmentable MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video",
    ),
    (
        "1.2.840.10008.1.2.4.105",
        "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video",
    ),
    (
        "1.2.840.10008.1.2.4.105.1",
        "Fragmentable MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video",
    ),
    (
        "1.2.840.10008.1.2.4.106",
        "MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2",
    ),
    (
        "1.2.840.10008.1.2.4.106.1",
        "Fragmentable MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2",
    ),
    (
        "1.2.840.10008.1.2.4.107",
        "HEVC/H.265 Main Profile / Level 5.1",
    ),
    (
        "1.2.840.10008.1.2.4.108",
        "HEVC/H.265 Main 10 Profile / Level 5.1",
    ),
    ("1.2.840.10008.1.2.4.110", "JPEG XL Lossless"),
    ("1.2.840.10008.1.2.4.111", "JPEG XL JPEG Recompression"),
    ("1.2.840.10008.1.2.4.112", "JPEG XL"),
    (
        "1.2.840.10008.1.2.4.201",
        "High-Throughput JPEG 2000 Image Compression (Lossless Only)",
    ),
    (
        "1.2.840.10008.1.2.4.202",
        "High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)",
    ),
    (
        "1.2.840.10008.1.2.4.203",
        "High-Throughput JPEG 2000 Image Compression",
    ),
    ("1.2.840.10008.1.2.4.204", "JPIP HTJ2K Referenced"),
    ("1.2.840.10008.1.2.4.205", "JPIP HTJ2K Referenced Deflate"),
    ("1.2.840.10008.1.2.5", "RLE Lossless"),
    ("1.2.840.10008.1.2.6.1", "RFC 2557 MIME encapsulation"),
    ("1.2.840.10008.1.2.6.2", "XML Encoding"),
    (
        "1.2.840.10008.1.2.7.1",
        "SMPTE ST 2110-20 Uncompressed Progressive Active Video",
    ),
    (
        "1.2.840.10008.1.2.7.2",
        "SMPTE ST 2110-20 Uncompressed Interlaced Active Video",
    ),
    (
        "1.2.840.10008.1.2.7.3",
        "SMPTE ST 2110-30 PCM Digital Audio",
    ),
    ("1.2.840.10008.1.2.8.1", "Deflated Image Frame Compression"),
];
