//! The open reports of the viewer: `mismatch-report` stores kept in Rust, answered a window of
//! rows at a time, so a report never crosses into JavaScript whole. Also the report library
//! ([`library`]).

pub mod dto;
pub mod library;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use mismatch_report::{
    Column, Direction, Filter, MismatchRow, Query, ReaderOptions, RecordAction, RecordType,
    ReportError, ReportStore, WriterOptions, XlsxAbout, CANONICAL_HEADER,
};

use crate::error::{AppError, AppResult};
use crate::sync::lock;
use dto::{
    clamp, columns, ComparisonDto, ExportResult, FieldDto, GridWindow, LoadProgressDto,
    ReportInfoDto, ReportMetaDto, RowDetail, SummaryDto, ViewSort, WindowRequest, MAX_WINDOW,
};

/// Reports kept open at once; opening one more closes the least recently used.
const MAX_OPEN: usize = 8;

/// An open report.
#[derive(Debug)]
pub struct OpenReport {
    /// The rows.
    pub store: ReportStore,
    /// What the UI was told when it opened.
    pub info: ReportInfoDto,
    last_used: AtomicU64,
}

/// The open reports and the loads in progress.
#[derive(Debug, Default)]
pub struct ReportRegistry {
    open: Mutex<HashMap<String, Arc<OpenReport>>>,
    loads: Mutex<HashMap<String, Arc<AtomicBool>>>,
    clock: AtomicU64,
}

/// A report error about the file at `path`, keeping where in the file it is.
pub fn report_error(path: &Path, e: ReportError) -> AppError {
    match e {
        ReportError::Cancelled => AppError::Cancelled,
        source => AppError::ReportFile {
            path: path.to_path_buf(),
            source,
        },
    }
}

/// A report error of an open store (a query, a row, rows kept): what it is about, typed.
pub fn store_error(e: ReportError) -> AppError {
    match e {
        ReportError::Cancelled => AppError::Cancelled,
        ReportError::NoSuchColumn { column } => AppError::UnknownColumn { column },
        ReportError::NoSuchRow { index, rows } => AppError::NoSuchRow { index, rows },
        source => AppError::ReportRows { source },
    }
}

fn file_title(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// The cells of a row in grid column order.
pub fn cells_of(row: MismatchRow) -> Vec<String> {
    let mut cells = Vec::with_capacity(10 + row.extra.len());
    cells.push(row.subscriber_id);
    cells.push(row.record_type.as_str().to_string());
    cells.push(row.record_action.as_str().to_string());
    cells.push(row.record_id);
    cells.push(row.collection_id);
    cells.push(row.name);
    cells.push(row.publisher_hash);
    cells.push(row.subscriber_hash);
    cells.push(row.created);
    cells.push(row.log_id);
    cells.extend(row.extra.into_iter().map(|(_, v)| v));
    cells
}

/// Builds, in the background on one core, what the first click on each header would otherwise
/// wait for: the sort indexes, most sorted column first (the search text is built before, by
/// [`ReportRegistry::insert`]). Stops when the report is closed.
fn warm_up(report: std::sync::Weak<OpenReport>) {
    let spawned = std::thread::Builder::new()
        .name("report-warm-up".into())
        .spawn(move || {
            let Some(warm) = mismatch_report::WarmUp::new() else {
                return;
            };
            let started = Instant::now();
            let order = match report.upgrade() {
                Some(r) => r.store.sort_warm_up_order(),
                None => return,
            };
            for column in order {
                let Some(r) = report.upgrade() else { return };
                if let Err(e) = warm.sort(&r.store, column) {
                    tracing::warn!(?column, error = %e, "report warm-up stopped");
                    return;
                }
            }
            tracing::debug!(
                ms = started.elapsed().as_millis() as u64,
                "report warmed up"
            );
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "no report warm-up: the thread was refused");
    }
}

impl ReportRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    fn tick(&self) -> u64 {
        self.clock.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Keeps `store` open under a new handle and describes it.
    pub fn insert(
        &self,
        store: ReportStore,
        title: String,
        path: Option<&Path>,
        load_ms: u32,
    ) -> ReportInfoDto {
        // What a search needs, on all cores before the first window (~20 ms a million rows): a
        // filter typed at once never waits for the one-core warm-up.
        store.prepare_search();
        let handle = uuid::Uuid::new_v4().to_string();
        let meta = path
            .and_then(dx_staging::report::read_meta)
            .map(ReportMetaDto::from);
        let distinct = |c: Column| store.distinct_values(c).unwrap_or_default();
        let info = ReportInfoDto {
            handle: handle.clone(),
            title,
            path: path.map(|p| p.display().to_string()),
            rows: clamp(store.len() as u64),
            columns: columns(store.extra_columns()),
            types: distinct(Column::RecordType)
                .iter()
                .map(|t| RecordType::parse(t))
                .collect(),
            actions: distinct(Column::RecordAction)
                .iter()
                .map(|a| RecordAction::parse(a))
                .collect(),
            subscribers: distinct(Column::SubscriberId),
            summary: SummaryDto::from(&store.summary(&Filter::default())),
            meta,
            skipped_lines: clamp(store.skipped().count),
            load_ms,
        };
        let open = Arc::new(OpenReport {
            store,
            info: info.clone(),
            last_used: AtomicU64::new(self.tick()),
        });
        let mut map = lock(&self.open);
        while map.len() >= MAX_OPEN {
            let oldest = map
                .iter()
                .min_by_key(|(_, r)| r.last_used.load(Ordering::Relaxed))
                .map(|(k, _)| k.clone());
            match oldest {
                Some(k) => map.remove(&k),
                None => break,
            };
        }
        map.insert(handle, Arc::clone(&open));
        drop(map);
        warm_up(Arc::downgrade(&open));
        info
    }

    /// Loads a report file (in parallel, cancellable under `load_id`), reporting progress.
    /// Blocking: call it from a blocking task.
    pub fn load_file(
        &self,
        path: &Path,
        load_id: &str,
        progress: &mut dyn FnMut(LoadProgressDto),
    ) -> AppResult<ReportInfoDto> {
        let cancel = Arc::new(AtomicBool::new(false));
        lock(&self.loads).insert(load_id.to_string(), cancel.clone());
        let started = Instant::now();
        let result = ReportStore::load(
            path,
            ReaderOptions::default(),
            &mut |p| {
                progress(LoadProgressDto {
                    bytes: p.bytes as f64,
                    total_bytes: p.total_bytes as f64,
                    rows: clamp(p.rows),
                })
            },
            &cancel,
        );
        lock(&self.loads).remove(load_id);
        let store = result.map_err(|e| report_error(path, e))?;
        let ms = clamp(started.elapsed().as_millis() as u64);
        Ok(self.insert(store, file_title(path), Some(path), ms))
    }

    /// Stops a load in progress; `false` when there is none under this id.
    pub fn cancel_load(&self, load_id: &str) -> bool {
        match lock(&self.loads).get(load_id) {
            Some(flag) => {
                flag.store(true, Ordering::Relaxed);
                true
            }
            None => false,
        }
    }

    /// An open report.
    pub fn get(&self, handle: &str) -> AppResult<Arc<OpenReport>> {
        let r = lock(&self.open)
            .get(handle)
            .cloned()
            .ok_or(AppError::ReportClosed)?;
        r.last_used.store(self.tick(), Ordering::Relaxed);
        Ok(r)
    }

    /// Closes a report (frees its memory).
    pub fn close(&self, handle: &str) {
        lock(&self.open).remove(handle);
    }

    /// A window of filtered, sorted rows.
    pub fn window(&self, handle: &str, req: &WindowRequest) -> AppResult<GridWindow> {
        let r = self.get(handle)?;
        let started = Instant::now();
        let sort = sort_of(&r, req.sort.as_ref())?;
        let q = Query {
            filter: req.filter.clone(),
            sort,
            offset: u64::from(req.offset),
            limit: u64::from(req.limit.min(MAX_WINDOW)),
        };
        let res = r.store.query_columns(&q).map_err(store_error)?;
        Ok(GridWindow {
            indexes: res.indexes.into_iter().map(clamp).collect(),
            columns: res.columns,
            total: clamp(res.total),
            offset: req.offset,
            micros: clamp(started.elapsed().as_micros() as u64),
        })
    }

    /// Counts by type × action of the rows matching `filter`.
    pub fn summary(&self, handle: &str, filter: &Filter) -> AppResult<SummaryDto> {
        let r = self.get(handle)?;
        Ok(SummaryDto::from(&r.store.summary(filter)))
    }

    /// Every field of one row.
    pub fn row(&self, handle: &str, index: u32) -> AppResult<RowDetail> {
        let r = self.get(handle)?;
        let row = r.store.row(u64::from(index)).map_err(store_error)?;
        let record_type = row.record_type.clone();
        let record_id = row.record_id.clone();
        let names = CANONICAL_HEADER
            .iter()
            .map(|h| (*h).to_string())
            .chain(row.extra.iter().map(|(k, _)| k.clone()))
            .collect::<Vec<_>>();
        let fields = names
            .into_iter()
            .zip(cells_of(row))
            .map(|(name, value)| FieldDto { name, value })
            .collect();
        Ok(RowDetail {
            index,
            record_type,
            record_id,
            fields,
        })
    }

    /// Writes the rows matching `filter` (all rows for an empty one) in the order of `sort` to
    /// `path` (temporary file + rename; formulas neutralised; UTF-8 BOM for spreadsheets).
    pub fn export(
        &self,
        handle: &str,
        filter: &Filter,
        sort: Option<&ViewSort>,
        path: &Path,
    ) -> AppResult<ExportResult> {
        let r = self.get(handle)?;
        let sort = sort_of(&r, sort)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| AppError::FileSystem {
                action: "creating the folder",
                path: dir.display().to_string(),
                detail: e.to_string(),
            })?;
        }
        let options = WriterOptions {
            bom: true,
            ..WriterOptions::default()
        };
        let w = r
            .store
            .export(filter, sort, path, options)
            .map_err(|e| report_error(path, e))?;
        Ok(ExportResult {
            path: w.path.display().to_string(),
            rows: clamp(w.rows),
            bytes: w.bytes as f64,
        })
    }

    /// Writes the rows matching `filter` in the order of `sort` to an Excel workbook at `path`:
    /// a summary sheet (what the report is about, counts by type × action) and the rows with a
    /// frozen, filterable header (see [`ReportStore::export_xlsx`]). `subscriber_name` is how
    /// the window names the report's subscriber (its target host).
    pub fn export_xlsx(
        &self,
        handle: &str,
        filter: &Filter,
        sort: Option<&ViewSort>,
        path: &Path,
        subscriber_name: Option<&str>,
    ) -> AppResult<ExportResult> {
        let r = self.get(handle)?;
        let sort = sort_of(&r, sort)?;
        let meta = r.info.meta.as_ref();
        let subscriber_id = meta
            .and_then(|m| m.subscriber_id.clone())
            .or_else(|| (r.info.subscribers.len() == 1).then(|| r.info.subscribers[0].clone()))
            .unwrap_or_default();
        let about = XlsxAbout {
            subscriber_name: subscriber_name.unwrap_or_default().to_string(),
            subscriber_id,
            find_time: meta.map(|m| m.fetched_at.clone()).unwrap_or_default(),
            complete: meta.is_none_or(|m| m.complete),
            source_file: r.info.title.clone(),
        };
        let w = r
            .store
            .export_xlsx(filter, sort, path, &about)
            .map_err(|e| report_error(path, e))?;
        Ok(ExportResult {
            path: w.path.display().to_string(),
            rows: clamp(w.rows),
            bytes: w.bytes as f64,
        })
    }

    /// Compares two report files: three new reports (only in A, only in B, in both), each open
    /// and filterable like any report.
    pub fn compare_files(&self, a: &Path, b: &Path) -> AppResult<ComparisonDto> {
        let started = Instant::now();
        let open = |p: &Path| {
            ReportStore::open(p, ReaderOptions::default()).map_err(|e| report_error(p, e))
        };
        let (sa, sb) = (open(a)?, open(b)?);
        let d = ReportStore::diff(&sa, &sb);
        let side = |store: &ReportStore, rows: &mut dyn Iterator<Item = u32>| {
            let rows: Vec<MismatchRow> =
                rows.filter_map(|i| store.row(u64::from(i)).ok()).collect();
            ReportStore::from_rows(&rows).map_err(store_error)
        };
        let only_a = side(&sa, &mut d.only_a.iter().copied())?;
        let only_b = side(&sb, &mut d.only_b.iter().copied())?;
        let both = side(&sb, &mut d.both.iter().map(|&(_, j)| j))?;
        let ms = clamp(started.elapsed().as_millis() as u64);
        let (ta, tb) = (file_title(a), file_title(b));
        Ok(ComparisonDto {
            only_a: self.insert(only_a, format!("Only in {ta}"), None, ms),
            only_b: self.insert(only_b, format!("Only in {tb}"), None, ms),
            both: self.insert(both, format!("In both {ta} and {tb}"), None, ms),
            path_a: a.display().to_string(),
            path_b: b.display().to_string(),
        })
    }
}

fn sort_of(r: &OpenReport, sort: Option<&ViewSort>) -> AppResult<Option<(Column, Direction)>> {
    sort.map(|s| s.to_sort(r.store.extra_columns().len()))
        .transpose()
}

/// A default export file name for a report title and whether a filter applies, valid on every
/// system (a long title is shortened, see [`dx_staging::fsname`]).
pub fn export_file_name(title: &str, filtered: bool) -> String {
    let stem = title.strip_suffix(".csv").unwrap_or(title);
    let clean: String = stem
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let suffix = if filtered {
        "-filtered.csv"
    } else {
        "-export.csv"
    };
    dx_staging::fsname::portable_file_name(&clean, suffix)
}

/// DXClient's download folder under the user's documents: `<documents>/store/outputFiles`.
pub fn default_export_dir(documents: Option<PathBuf>, home: Option<PathBuf>) -> PathBuf {
    documents
        .or(home)
        .unwrap_or_else(|| PathBuf::from("."))
        .join("store")
        .join("outputFiles")
}

#[cfg(test)]
mod tests {
    use super::*;
    use mismatch_report::{RecordAction, RecordType};

    fn row(t: RecordType, a: RecordAction, id: &str, name: &str) -> MismatchRow {
        MismatchRow {
            subscriber_id: "sub-1".into(),
            record_type: t,
            record_action: a,
            record_id: id.into(),
            name: name.into(),
            ..Default::default()
        }
    }

    fn sample() -> Vec<MismatchRow> {
        vec![
            row(
                RecordType::Rendition,
                RecordAction::Create,
                "r1",
                "hero.jpg",
            ),
            row(RecordType::Rendition, RecordAction::Delete, "r2", "=cmd()"),
            row(
                RecordType::MediaItem,
                RecordAction::Update,
                "m1",
                "banner.png",
            ),
            row(
                RecordType::Collection,
                RecordAction::Create,
                "c1",
                "Campaigns",
            ),
        ]
    }

    #[test]
    fn windows_filter_sort_and_count() {
        let reg = ReportRegistry::new();
        let store = ReportStore::from_rows(&sample()).unwrap();
        let info = reg.insert(store, "t".into(), None, 0);
        assert_eq!(info.rows, 4);
        assert_eq!(info.summary.total, 4);
        let req = WindowRequest {
            filter: Filter {
                types: vec![RecordType::Rendition],
                ..Default::default()
            },
            sort: Some(ViewSort {
                column: "name".into(),
                descending: false,
            }),
            offset: 0,
            limit: 10,
        };
        let w = reg.window(&info.handle, &req).unwrap();
        assert_eq!(w.total, 2);
        assert_eq!(w.columns[5][0], "=cmd()");
        assert_eq!(w.indexes[0], 1);
        assert_eq!(w.columns[1][1], "RENDITION");
        let s = reg.summary(&info.handle, &req.filter).unwrap();
        assert_eq!(s.total, 2);
        let d = reg.row(&info.handle, 2).unwrap();
        assert_eq!(d.record_id, "m1");
        assert_eq!(d.fields[1].value, "MEDIA_ITEM");
        reg.close(&info.handle);
        assert_eq!(
            reg.window(&info.handle, &req).unwrap_err().code(),
            "report_closed"
        );
    }

    #[test]
    fn export_writes_exactly_the_filter_and_neutralises_formulas() {
        let reg = ReportRegistry::new();
        let info = reg.insert(
            ReportStore::from_rows(&sample()).unwrap(),
            "t".into(),
            None,
            0,
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/out.csv");
        let filter = Filter {
            types: vec![RecordType::Rendition],
            ..Default::default()
        };
        let res = reg.export(&info.handle, &filter, None, &path).unwrap();
        assert_eq!(res.rows, 2);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with('\u{feff}'));
        assert!(text.contains("'=cmd()"), "{text}");
        let back = ReportStore::open(&path, ReaderOptions::default()).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back.to_rows()[1].name, "=cmd()");
    }

    #[test]
    fn loads_files_and_compares_them() {
        let dir = tempfile::tempdir().unwrap();
        let reg = ReportRegistry::new();
        let write = |name: &str, rows: &[MismatchRow]| {
            let p = dir.path().join(name);
            let s = ReportStore::from_rows(rows).unwrap();
            s.export(&Filter::default(), None, &p, WriterOptions::default())
                .unwrap();
            p
        };
        let all = sample();
        let a = write("a.csv", &all[..3]);
        let b = write("b.csv", &all[1..]);
        let mut seen = 0;
        let info = reg.load_file(&a, "load-1", &mut |p| seen = p.rows).unwrap();
        assert_eq!(info.rows, 3);
        assert_eq!(info.title, "a.csv");
        assert!(seen > 0);
        assert!(!reg.cancel_load("load-1"), "the load is over");
        let c = reg.compare_files(&a, &b).unwrap();
        assert_eq!((c.only_a.rows, c.only_b.rows, c.both.rows), (1, 1, 2));
        let w = reg
            .window(
                &c.only_b.handle,
                &WindowRequest {
                    limit: 5,
                    ..Default::default()
                },
            )
            .unwrap();
        assert_eq!(w.columns[3][0], "c1");
        let missing = reg.load_file(&dir.path().join("none.csv"), "x", &mut |_| {});
        assert!(missing.unwrap_err().to_string().contains("none.csv"));
    }

    #[test]
    fn keeps_a_bounded_number_open() {
        let reg = ReportRegistry::new();
        let handles: Vec<String> = (0..MAX_OPEN + 2)
            .map(|_| {
                reg.insert(
                    ReportStore::from_rows(&sample()).unwrap(),
                    "t".into(),
                    None,
                    0,
                )
                .handle
            })
            .collect();
        assert!(reg.get(&handles[0]).is_err());
        assert!(reg.get(&handles[MAX_OPEN + 1]).is_ok());
    }

    #[test]
    fn export_names_and_folder() {
        assert_eq!(
            export_file_name("report a.csv", true),
            "report-a-filtered.csv"
        );
        assert_eq!(export_file_name("r", false), "r-export.csv");
        assert_eq!(
            export_file_name("Only in a.csv", false),
            "Only-in-a-export.csv"
        );
        // Windows: `con.` is the device CON whatever follows the dot; a dot file is hidden.
        assert_eq!(export_file_name("con.", false), "_con.-export.csv");
        assert_eq!(export_file_name(".x.csv", true), "_x-filtered.csv");
        assert_eq!(export_file_name("", false), "_-export.csv");
        let long = export_file_name(&format!("{}.csv", "é".repeat(200)), true);
        assert!(dx_staging::fsname::is_portable_name(&long), "{long}");
        assert!(long.len() <= dx_staging::fsname::MAX_NAME_BYTES);
        assert!(long.ends_with("é-filtered.csv"), "{long}");
        assert_eq!(
            default_export_dir(Some("/docs".into()), None),
            PathBuf::from("/docs/store/outputFiles")
        );
        // A Windows home: joined component by component, never with a hard-coded '/'.
        let home = PathBuf::from(r"C:\Users\Zoë Smith");
        let dir = default_export_dir(None, Some(home.clone()));
        assert_eq!(dir, home.join("store").join("outputFiles"));
        assert_eq!(dir.strip_prefix(&home).unwrap().components().count(), 2);
    }
}
