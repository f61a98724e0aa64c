//! The node table: every node by id, with the indexes that make a folder listing cost what
//! the folder holds rather than what the whole repository holds.
//!
//! [`Nodes`] reads as the `BTreeMap<i64, Node>` it wraps (it derefs to it), so code that
//! only looks — routes, tests, the chaos count — reads `store.nodes` as before. It can only
//! be changed through its own methods: [`Nodes::insert`], [`Nodes::remove`] and
//! [`Nodes::get_mut`], whose [`NodeMut`] guard re-files the node when it is dropped if its
//! parent, workspace type or subtype changed. There is no way to change a node's parent
//! behind the indexes' back. A snapshot read back from disk rebuilds them
//! (`Deserialize` goes through [`Nodes::from_map`]); the snapshot's format is the plain map,
//! as before the indexes existed.
//!
//! # Indexes
//! ```text
//! children     parent id      → ids of its direct children (ascending)
//! workspaces   workspace type → ids of the nodes linked as workspaces of that type
//! subtypes     subtype        → how many nodes have it
//! ```
//! [`Nodes::check_index`] rebuilds all three from a full scan and says where they differ;
//! the tests call it after every kind of change.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::{Deref, DerefMut};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::model::Node;

/// Every node by id, with its indexes. Read it as a `BTreeMap<i64, Node>`.
#[derive(Debug, Clone, Default)]
pub struct Nodes {
    by_id: BTreeMap<i64, Node>,
    index: Index,
}

/// The indexes, kept apart from the map so a [`NodeMut`] can hold both halves at once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Index {
    children: BTreeMap<i64, BTreeSet<i64>>,
    workspaces: BTreeMap<i64, BTreeSet<i64>>,
    subtypes: BTreeMap<i64, usize>,
}

/// What the indexes file a node under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Keys {
    parent: i64,
    workspace_type: Option<i64>,
    subtype: i64,
}

impl Keys {
    fn of(node: &Node) -> Self {
        Self {
            parent: node.parent_id,
            workspace_type: node.workspace.as_ref().map(|link| link.type_id),
            subtype: node.subtype,
        }
    }
}

impl Index {
    fn add(&mut self, id: i64, keys: Keys) {
        self.children.entry(keys.parent).or_default().insert(id);
        if let Some(kind) = keys.workspace_type {
            self.workspaces.entry(kind).or_default().insert(id);
        }
        *self.subtypes.entry(keys.subtype).or_default() += 1;
    }

    fn remove(&mut self, id: i64, keys: Keys) {
        fn take(sets: &mut BTreeMap<i64, BTreeSet<i64>>, key: i64, id: i64) {
            if let Some(set) = sets.get_mut(&key) {
                set.remove(&id);
                if set.is_empty() {
                    sets.remove(&key);
                }
            }
        }
        take(&mut self.children, keys.parent, id);
        if let Some(kind) = keys.workspace_type {
            take(&mut self.workspaces, kind, id);
        }
        if let Some(count) = self.subtypes.get_mut(&keys.subtype) {
            *count -= 1;
            if *count == 0 {
                self.subtypes.remove(&keys.subtype);
            }
        }
    }

    fn of(by_id: &BTreeMap<i64, Node>) -> Self {
        let mut index = Self::default();
        for (id, node) in by_id {
            index.add(*id, Keys::of(node));
        }
        index
    }
}

impl Nodes {
    /// A table of these nodes (keyed by their ids), its indexes built by one scan.
    pub fn from_map(by_id: BTreeMap<i64, Node>) -> Self {
        let index = Index::of(&by_id);
        Self { by_id, index }
    }

    /// Adds a node under its own id, replacing (and returning) one already there.
    pub fn insert(&mut self, node: Node) -> Option<Node> {
        let id = node.id;
        self.index.add(id, Keys::of(&node));
        let replaced = self.by_id.insert(id, node);
        if let Some(old) = &replaced {
            self.index.remove(id, Keys::of(old));
        }
        replaced
    }

    /// Removes one node (not its children: see `Store::remove_subtree`).
    pub fn remove(&mut self, id: i64) -> Option<Node> {
        let node = self.by_id.remove(&id)?;
        self.index.remove(id, Keys::of(&node));
        Some(node)
    }

    /// The node for changing; the indexes follow when the guard is dropped.
    pub fn get_mut(&mut self, id: i64) -> Option<NodeMut<'_>> {
        let node = self.by_id.get_mut(&id)?;
        let before = Keys::of(node);
        Some(NodeMut {
            node,
            index: &mut self.index,
            id,
            before,
        })
    }

    /// The direct children of `parent`, by ascending id.
    pub fn children(&self, parent: i64) -> impl DoubleEndedIterator<Item = &Node> + '_ {
        self.index
            .children
            .get(&parent)
            .into_iter()
            .flatten()
            .filter_map(|id| self.by_id.get(id))
    }

    /// How many direct children `parent` has.
    pub fn child_count(&self, parent: i64) -> usize {
        self.index.children.get(&parent).map_or(0, BTreeSet::len)
    }

    /// The nodes linked as business workspaces, of one type or of all, by ascending id.
    pub fn workspaces(&self, type_id: Option<i64>) -> Vec<&Node> {
        let mut ids: Vec<i64> = match type_id {
            Some(kind) => self
                .index
                .workspaces
                .get(&kind)
                .into_iter()
                .flatten()
                .copied()
                .collect(),
            None => self.index.workspaces.values().flatten().copied().collect(),
        };
        if type_id.is_none() {
            ids.sort_unstable();
        }
        ids.iter().filter_map(|id| self.by_id.get(id)).collect()
    }

    /// How many nodes have this subtype.
    pub fn count_of_subtype(&self, subtype: i64) -> usize {
        self.index.subtypes.get(&subtype).copied().unwrap_or(0)
    }

    /// Whether the indexes say exactly what a full scan of the nodes says; the first
    /// difference otherwise. For tests: it visits every node.
    pub fn check_index(&self) -> Result<(), String> {
        let scanned = Index::of(&self.by_id);
        if scanned == self.index {
            return Ok(());
        }
        let differs = |what: &str, kept: &dyn std::fmt::Debug, scan: &dyn std::fmt::Debug| {
            format!("the {what} index says {kept:?}, a full scan says {scan:?}")
        };
        for key in scanned.children.keys().chain(self.index.children.keys()) {
            let (kept, scan) = (self.index.children.get(key), scanned.children.get(key));
            if kept != scan {
                return Err(differs(&format!("children of {key}"), &kept, &scan));
            }
        }
        if scanned.workspaces != self.index.workspaces {
            return Err(differs(
                "workspace",
                &self.index.workspaces,
                &scanned.workspaces,
            ));
        }
        Err(differs("subtype", &self.index.subtypes, &scanned.subtypes))
    }
}

impl Deref for Nodes {
    type Target = BTreeMap<i64, Node>;

    fn deref(&self) -> &Self::Target {
        &self.by_id
    }
}

impl Serialize for Nodes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.by_id.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Nodes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        BTreeMap::deserialize(deserializer).map(Self::from_map)
    }
}

/// A node borrowed for changing. When dropped it re-files the node in the indexes if its
/// parent (a move), workspace link or subtype changed. Its id must not change.
#[derive(Debug)]
pub struct NodeMut<'a> {
    node: &'a mut Node,
    index: &'a mut Index,
    id: i64,
    before: Keys,
}

impl Deref for NodeMut<'_> {
    type Target = Node;

    fn deref(&self) -> &Node {
        self.node
    }
}

impl DerefMut for NodeMut<'_> {
    fn deref_mut(&mut self) -> &mut Node {
        self.node
    }
}

impl Drop for NodeMut<'_> {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            assert_eq!(
                self.node.id, self.id,
                "a node's id is its key in the store and cannot change"
            );
        }
        let after = Keys::of(self.node);
        if after != self.before {
            self.index.remove(self.id, self.before);
            self.index.add(self.id, after);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::WorkspaceLink;

    fn node(id: i64, parent: i64, subtype: i64) -> Node {
        let now = time::OffsetDateTime::UNIX_EPOCH;
        Node {
            id,
            parent_id: parent,
            name: format!("n{id}"),
            subtype,
            description: String::new(),
            create_date: now,
            modify_date: now,
            owner_user_id: 1000,
            versions: Vec::new(),
            categories: BTreeMap::new(),
            workspace: None,
            inherited_categories: BTreeSet::new(),
        }
    }

    fn ids<'a>(nodes: impl IntoIterator<Item = &'a Node>) -> Vec<i64> {
        nodes.into_iter().map(|n| n.id).collect()
    }

    #[test]
    fn the_guard_refiles_a_moved_node_a_new_workspace_and_a_changed_subtype() {
        let mut nodes = Nodes::default();
        for (id, parent) in [(1, -1), (2, 1), (3, 1), (4, 2)] {
            nodes.insert(node(id, parent, 0));
        }
        assert_eq!(ids(nodes.children(1)), [2, 3]);
        nodes.get_mut(4).expect("4").parent_id = 3;
        assert_eq!(ids(nodes.children(2)), Vec::<i64>::new());
        assert_eq!(ids(nodes.children(3)), [4]);
        nodes.get_mut(3).expect("3").workspace = Some(WorkspaceLink {
            type_id: 7,
            template_id: 0,
            references: Vec::new(),
            relations: Vec::new(),
        });
        assert_eq!(ids(nodes.workspaces(Some(7))), [3]);
        assert_eq!(ids(nodes.workspaces(None)), [3]);
        nodes.get_mut(2).expect("2").subtype = 144;
        assert_eq!(nodes.count_of_subtype(144), 1);
        assert_eq!(nodes.count_of_subtype(0), 3);
        nodes.check_index().expect("consistent");
    }

    #[test]
    fn replacing_and_removing_unfile_the_old_node() {
        let mut nodes = Nodes::default();
        nodes.insert(node(1, -1, 0));
        nodes.insert(node(2, 1, 0));
        nodes.insert(node(2, -1, 144));
        assert_eq!(nodes.child_count(1), 0);
        assert_eq!(nodes.count_of_subtype(0), 1);
        nodes.remove(1);
        assert_eq!(ids(nodes.children(-1)), [2]);
        nodes.check_index().expect("consistent");
    }

    #[test]
    fn the_check_finds_an_index_that_lies() {
        let mut nodes = Nodes::default();
        nodes.insert(node(1, -1, 0));
        nodes.insert(node(2, 1, 0));
        nodes.by_id.get_mut(&2).expect("2").parent_id = -1;
        let error = nodes.check_index().expect_err("stale");
        assert!(error.contains("children of -1"), "{error}");
    }

    #[test]
    fn a_snapshot_is_the_plain_map_and_reading_it_rebuilds_the_indexes() {
        let mut nodes = Nodes::default();
        nodes.insert(node(1, -1, 0));
        nodes.insert(node(2, 1, 144));
        let text = serde_json::to_string(&nodes).expect("write");
        let plain = serde_json::to_string(&*nodes).expect("write the map");
        assert_eq!(text, plain);
        let back: Nodes = serde_json::from_str(&text).expect("read");
        assert_eq!(ids(back.children(1)), [2]);
        assert_eq!(back.count_of_subtype(144), 1);
        back.check_index().expect("consistent");
    }
}
