//! The worker roster loaded at start-up.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct Worker {
    pub id: String,
    pub name: String,
    pub city: String,
    pub role: String,
}

#[derive(Deserialize)]
struct RosterFile {
    workers: Vec<Worker>,
}

/// Workers indexed by id.
#[derive(Debug, Clone, Default)]
pub struct Roster {
    workers: HashMap<String, Worker>,
}

#[derive(Debug)]
pub enum RosterError {
    Read(std::io::Error),
    Parse(serde_json::Error),
}

impl fmt::Display for RosterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read(err) => write!(f, "cannot read: {err}"),
            Self::Parse(err) => write!(f, "cannot parse: {err}"),
        }
    }
}

impl std::error::Error for RosterError {}

impl Roster {
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        let file: RosterFile = serde_json::from_str(text)?;
        Ok(file.workers.into_iter().collect())
    }

    pub fn load(path: &Path) -> Result<Self, RosterError> {
        let text = std::fs::read_to_string(path).map_err(RosterError::Read)?;
        Self::from_json(&text).map_err(RosterError::Parse)
    }

    pub fn get(&self, id: &str) -> Option<&Worker> {
        self.workers.get(id)
    }

    pub fn len(&self) -> usize {
        self.workers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.workers.is_empty()
    }
}

impl FromIterator<Worker> for Roster {
    fn from_iter<I: IntoIterator<Item = Worker>>(iter: I) -> Self {
        let workers = iter.into_iter().map(|w| (w.id.clone(), w)).collect();
        Self { workers }
    }
}
