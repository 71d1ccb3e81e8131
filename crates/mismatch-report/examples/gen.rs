//! Deterministic generator of realistic mismatch reports.
//!
//! `cargo run --release -p mismatch-report --example gen -- --rows N --seed S --out FILE [--bom]`
//!
//! The mix looks like a real drift: mostly renditions, versions and media items, CREATE more
//! often than UPDATE and DELETE, a few subscribers, names like asset file names (some with commas,
//! quotes, unicode, a leading `=`, rarely a line break) and, very rarely, a record type this
//! build does not know.

use std::process::ExitCode;

use mismatch_report::{MismatchRow, RecordAction, RecordType, ReportWriter, WriterOptions};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn uuid(rng: &mut ChaCha8Rng) -> String {
    let mut b: [u8; 16] = rng.gen();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn hash(rng: &mut ChaCha8Rng) -> String {
    let b: [u8; 16] = rng.gen();
    b.iter().map(|x| format!("{x:02x}")).collect()
}

const TYPES: &[(RecordType, u32)] = &[
    (RecordType::Rendition, 340),
    (RecordType::Version, 200),
    (RecordType::MediaItem, 150),
    (RecordType::CollectionMediaRelation, 120),
    (RecordType::Keyword, 50),
    (RecordType::Collection, 30),
    (RecordType::Favorite, 30),
    (RecordType::CustomUrl, 20),
    (RecordType::Permission, 20),
    (RecordType::Resource, 25),
    (RecordType::MediaType, 10),
    (RecordType::MediaTypeGroup, 5),
];

const WORDS: &[&str] = &[
    "summer",
    "campaign",
    "banner",
    "hero",
    "product",
    "shot",
    "logo",
    "team",
    "office",
    "event",
    "brochure",
    "header",
    "footer",
    "icon",
    "portrait",
    "landscape",
    "winter",
    "sale",
    "launch",
    "keynote",
    "Über",
    "café",
    "東京",
    "naïve",
    "résumé",
    "offsite",
    "poster",
    "flyer",
];
const EXT: &[&str] = &[
    "jpg", "jpeg", "png", "webp", "svg", "mp4", "pdf", "tif", "gif", "mov",
];
const RENDITIONS: &[&str] = &["Original", "Desktop", "Tablet", "Smartphone"];

fn asset_name(rng: &mut ChaCha8Rng) -> String {
    let w1 = WORDS[rng.gen_range(0..WORDS.len())];
    let w2 = WORDS[rng.gen_range(0..WORDS.len())];
    let ext = EXT[rng.gen_range(0..EXT.len())];
    let n: u32 = rng.gen_range(1..100_000);
    match rng.gen_range(0..1000) {
        0..=9 => format!("={w1}_{n}.{ext}"),
        10..=39 => format!("{w1}, {w2} {n}.{ext}"),
        40..=54 => format!("{w1} \"{w2}\" {n}.{ext}"),
        55 => format!("{w1}\n{w2}_{n}.{ext}"),
        56..=300 => format!("IMG_{n:05}.{ext}"),
        _ => format!("{w1}-{w2}-{n}.{ext}"),
    }
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(rows), Some(out)) = (arg(&args, "--rows"), arg(&args, "--out")) else {
        eprintln!("usage: gen --rows N --seed S --out FILE [--bom]");
        return ExitCode::from(2);
    };
    let Ok(rows) = rows.parse::<u64>() else {
        eprintln!("--rows: not a number");
        return ExitCode::from(2);
    };
    let seed = arg(&args, "--seed")
        .and_then(|s| s.parse().ok())
        .unwrap_or(1u64);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let subscribers: Vec<String> = (0..3).map(|_| uuid(&mut rng)).collect();
    let collections: Vec<(String, String)> = (0..2000)
        .map(|i| {
            let w = WORDS[rng.gen_range(0..WORDS.len())];
            (uuid(&mut rng), format!("{w} collection {i}"))
        })
        .collect();
    let total_weight: u32 = TYPES.iter().map(|t| t.1).sum();
    let opts = WriterOptions {
        bom: args.iter().any(|a| a == "--bom"),
        ..Default::default()
    };
    let mut w = match ReportWriter::create(&out, opts) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let mut ms: u64 = 1_746_093_600_000; // 2025-05-01T10:00:00Z
    let mut item_name = asset_name(&mut rng);
    for _ in 0..rows {
        let mut pick = rng.gen_range(0..total_weight);
        let mut record_type = RecordType::Rendition;
        for (t, wgt) in TYPES {
            if pick < *wgt {
                record_type = t.clone();
                break;
            }
            pick -= wgt;
        }
        if rng.gen_range(0..100_000) == 0 {
            record_type = RecordType::Other("SMART_TAG".into());
        }
        let record_action = match rng.gen_range(0..10) {
            0..=4 => RecordAction::Create,
            5..=7 => RecordAction::Update,
            _ => RecordAction::Delete,
        };
        let (collection_id, collection_name) = &collections[rng.gen_range(0..collections.len())];
        if rng.gen_range(0..4) == 0 {
            item_name = asset_name(&mut rng);
        }
        let name = match record_type {
            RecordType::Collection => collection_name.clone(),
            RecordType::Rendition => {
                format!(
                    "{} ({})",
                    item_name,
                    RENDITIONS[rng.gen_range(0..RENDITIONS.len())]
                )
            }
            RecordType::Keyword => WORDS[rng.gen_range(0..WORDS.len())].to_string(),
            RecordType::MediaType | RecordType::MediaTypeGroup => {
                EXT[rng.gen_range(0..EXT.len())].to_string()
            }
            RecordType::Permission | RecordType::Favorite => String::new(),
            _ => item_name.clone(),
        };
        let (publisher_hash, subscriber_hash) = match record_action {
            RecordAction::Create => (hash(&mut rng), String::new()),
            RecordAction::Delete => (String::new(), hash(&mut rng)),
            _ => (hash(&mut rng), hash(&mut rng)),
        };
        ms += rng.gen_range(0..3);
        let secs = ms / 1000;
        let (d, s) = (secs / 86_400, secs % 86_400);
        let created = format!(
            "2025-05-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            1 + d.saturating_sub(20_209) % 28,
            s / 3600,
            s % 3600 / 60,
            s % 60,
            ms % 1000
        );
        let row = MismatchRow {
            subscriber_id: subscribers[rng.gen_range(0..subscribers.len())].clone(),
            record_type,
            record_action,
            record_id: uuid(&mut rng),
            collection_id: collection_id.clone(),
            name,
            publisher_hash,
            subscriber_hash,
            created,
            log_id: uuid(&mut rng),
            extra: Vec::new(),
        };
        if let Err(e) = w.write_row(&row) {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    }
    match w.finish() {
        Ok(s) => {
            eprintln!(
                "wrote {} rows, {} bytes to {}",
                s.rows,
                s.bytes,
                s.path.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
