//! Files that appear whole or not at all.
//!
//! A result file is written under a temporary name (`metrics.csv.partial`)
//! and renamed to its own name only once it is complete and flushed, so a run
//! that is interrupted, or fails, never leaves a truncated file that looks
//! like a finished one.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// A file being written under a temporary name.
#[derive(Debug)]
pub struct PartialFile {
    writer: BufWriter<File>,
    temporary: PathBuf,
    path: PathBuf,
}

impl PartialFile {
    /// Starts writing what will become `path`.
    pub fn create(path: &Path) -> io::Result<PartialFile> {
        let mut name = path.file_name().unwrap_or_default().to_owned();
        name.push(".partial");
        let temporary = path.with_file_name(name);
        let writer = BufWriter::new(File::create(&temporary)?);
        Ok(PartialFile { writer, temporary, path: path.to_owned() })
    }

    /// Whether `path` could be written, checked before a long computation
    /// whose result it is to hold: its folder is created if need be, and its
    /// temporary file created and removed. The file itself is left alone.
    pub fn check(path: &Path) -> io::Result<()> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| io::Error::new(e.kind(), format!("cannot create its folder {}: {e}", dir.display())))?;
        }
        if path.is_dir() {
            return Err(io::Error::new(io::ErrorKind::IsADirectory, "is a folder, not a file"));
        }
        let file = PartialFile::create(path)?;
        std::fs::remove_file(&file.temporary)
    }

    /// Flushes the file to disk and gives it its own name.
    pub fn commit(self) -> io::Result<()> {
        let file = self.writer.into_inner().map_err(io::IntoInnerError::into_error)?;
        file.sync_all()?;
        std::fs::rename(&self.temporary, &self.path)
    }

    /// Flushes the file and leaves it under its temporary name, which it
    /// gives: what it holds is to be copied into another file.
    pub fn close(mut self) -> io::Result<PathBuf> {
        self.writer.flush()?;
        Ok(self.temporary)
    }
}

impl Write for PartialFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }
}
