//! The worker roster loaded at start-up.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, Serialize)]
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

/// Workers in the file's order, indexed by id, with the cities and roles they name.
#[derive(Debug, Clone, Default)]
pub struct Roster {
    workers: Vec<Worker>,
    by_id: HashMap<String, usize>,
    cities: HashSet<String>,
    roles: HashSet<String>,
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
        self.by_id.get(id).map(|&i| &self.workers[i])
    }

    /// All workers, in the roster file's order.
    pub fn workers(&self) -> &[Worker] {
        &self.workers
    }

    /// Whether some worker lives in `city`.
    pub fn has_city(&self, city: &str) -> bool {
        self.cities.contains(city)
    }

    /// Whether some worker has `role`.
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.contains(role)
    }

    pub fn len(&self) -> usize {
        self.workers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.workers.is_empty()
    }
}

impl FromIterator<Worker> for Roster {
    /// A later worker with an id seen before replaces the earlier one, in its place.
    fn from_iter<I: IntoIterator<Item = Worker>>(iter: I) -> Self {
        let mut roster = Self::default();
        for worker in iter {
            match roster.by_id.get(&worker.id) {
                Some(&i) => roster.workers[i] = worker,
                None => {
                    roster.by_id.insert(worker.id.clone(), roster.workers.len());
                    roster.workers.push(worker);
                }
            }
        }
        for worker in &roster.workers {
            roster.cities.insert(worker.city.clone());
            roster.roles.insert(worker.role.clone());
        }
        roster
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn worker(id: &str, name: &str, city: &str, role: &str) -> Worker {
        Worker {
            id: id.into(),
            name: name.into(),
            city: city.into(),
            role: role.into(),
        }
    }

    #[test]
    fn keeps_file_order_and_a_later_duplicate_wins_in_place() {
        let roster: Roster = [
            worker("W-2", "Ben", "Akron", "Welder"),
            worker("W-1", "Ada", "Toledo", "Painter"),
            worker("W-2", "Bea", "Dayton", "Machinist"),
        ]
        .into_iter()
        .collect();
        let ids: Vec<&str> = roster.workers().iter().map(|w| w.id.as_str()).collect();
        assert_eq!(ids, ["W-2", "W-1"]);
        assert_eq!(roster.get("W-2").map(|w| w.name.as_str()), Some("Bea"));
        assert!(roster.has_city("Dayton") && !roster.has_city("Akron"));
        assert!(roster.has_role("Machinist") && !roster.has_role("Welder"));
        assert_eq!(roster.len(), 2);
    }
}
