//! The simulator's repository: the node tree and everything hanging off it.
//!
//! `Store` is plain data behind the simulator's mutex; routes borrow it for the length of one
//! request and never across an `.await`. It is also the persistence snapshot.
//!
//! Its nodes live in a [`Nodes`] table that indexes them by parent and by workspace type, so
//! a listing costs what the folder (or the type) holds, not what the repository holds.

mod nodes;

pub use nodes::{NodeMut, Nodes};

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use crate::envelope::ApiError;
use crate::model::{
    AuditEntry, BusinessObjectRef, CategoryDef, ChangeEvent, EventKind, Node, User, WorkspaceType,
    subtype, well_known,
};

/// Everything the simulated server knows, except sessions and fault switches.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Store {
    /// The next id for a new node.
    pub next_id: i64,
    /// All nodes by id (read it as a `BTreeMap<i64, Node>`; change it through the store's
    /// methods, which keep its indexes true).
    pub nodes: Nodes,
    /// Category definitions by id.
    pub categories: BTreeMap<i64, CategoryDef>,
    /// Workspace types by id.
    pub workspace_types: BTreeMap<i64, WorkspaceType>,
    /// Users.
    pub users: Vec<User>,
    /// The change feed, oldest first.
    pub events: Vec<ChangeEvent>,
    /// Audit entries, oldest first.
    pub audit: Vec<AuditEntry>,
    /// The id of the last event written.
    pub last_event_id: u64,
}

impl Store {
    /// An empty repository: the Enterprise, Categories and Templates volumes, and nothing else.
    pub fn new(now: OffsetDateTime) -> Self {
        let mut store = Self {
            next_id: well_known::FIRST_FREE_ID,
            nodes: Nodes::default(),
            categories: BTreeMap::new(),
            workspace_types: BTreeMap::new(),
            users: Vec::new(),
            events: Vec::new(),
            audit: Vec::new(),
            last_event_id: 0,
        };
        for (id, name, kind) in [
            (well_known::ENTERPRISE, "Enterprise", subtype::ENTERPRISE),
            (
                well_known::CATEGORIES,
                "Categories",
                subtype::CATEGORIES_VOLUME,
            ),
            (
                well_known::TEMPLATES,
                "Content Server Document Templates",
                subtype::TEMPLATES_VOLUME,
            ),
        ] {
            store.insert(Node {
                id,
                parent_id: -1,
                name: name.to_owned(),
                subtype: kind,
                description: String::new(),
                create_date: now,
                modify_date: now,
                owner_user_id: 1000,
                versions: Vec::new(),
                categories: BTreeMap::new(),
                workspace: None,
                inherited_categories: BTreeSet::new(),
            });
        }
        store
    }

    /// Inserts a node with its own id (replacing one already there), keeping the id counter
    /// ahead of it.
    pub fn insert(&mut self, node: Node) {
        self.next_id = self.next_id.max(node.id + 1);
        self.nodes.insert(node);
    }

    /// The node, or the 400 Content Server answers for a missing one.
    pub fn node(&self, id: i64) -> Result<&Node, ApiError> {
        self.nodes.get(&id).ok_or_else(ApiError::not_accessible)
    }

    /// The node for changing, or 400. Changing its `parent_id` moves it: the guard re-files
    /// it in the indexes when dropped.
    pub fn node_mut(&mut self, id: i64) -> Result<NodeMut<'_>, ApiError> {
        self.nodes.get_mut(id).ok_or_else(ApiError::not_accessible)
    }

    /// Direct children of a node, by id.
    pub fn children(&self, parent: i64) -> impl DoubleEndedIterator<Item = &Node> + '_ {
        self.nodes.children(parent)
    }

    /// How many direct children a node has.
    pub fn child_count(&self, parent: i64) -> usize {
        self.nodes.child_count(parent)
    }

    /// The child of `parent` with exactly this name (names are unique among siblings).
    pub fn child_named(&self, parent: i64, name: &str) -> Option<&Node> {
        self.children(parent)
            .find(|node| node.name.eq_ignore_ascii_case(name))
    }

    /// Creates a node under `parent` after the checks Content Server makes.
    pub fn add_node(
        &mut self,
        parent: i64,
        name: &str,
        kind: i64,
        description: &str,
        user: i64,
        now: OffsetDateTime,
    ) -> Result<i64, ApiError> {
        let parent_node = self.node(parent)?;
        if !subtype::is_container(parent_node.subtype) {
            return Err(ApiError::invalid(format!(
                "node {parent} cannot contain other items"
            )));
        }
        let name = name.trim();
        if name.is_empty() {
            return Err(ApiError::invalid("a name is required"));
        }
        if name.contains(':') {
            return Err(ApiError::bad_request(format!(
                "The name '{name}' contains a character that is not allowed (':')."
            )));
        }
        if self.child_named(parent, name).is_some() {
            return Err(ApiError::name_taken(name));
        }
        let id = self.next_id;
        self.insert(Node {
            id,
            parent_id: parent,
            name: name.to_owned(),
            subtype: kind,
            description: description.to_owned(),
            create_date: now,
            modify_date: now,
            owner_user_id: user,
            versions: Vec::new(),
            categories: BTreeMap::new(),
            workspace: None,
            inherited_categories: BTreeSet::new(),
        });
        Ok(id)
    }

    /// The business workspace a node is in (itself, if it is one).
    pub fn enclosing_workspace(&self, id: i64) -> Option<i64> {
        let mut current = self.nodes.get(&id);
        while let Some(node) = current {
            if node.subtype == subtype::WORKSPACE {
                return Some(node.id);
            }
            current = self.nodes.get(&node.parent_id);
        }
        None
    }

    /// Whether `id` is `ancestor` or lies below it.
    pub fn is_within(&self, id: i64, ancestor: i64) -> bool {
        let mut current = self.nodes.get(&id);
        while let Some(node) = current {
            if node.id == ancestor {
                return true;
            }
            current = self.nodes.get(&node.parent_id);
        }
        false
    }

    /// The workspace linked to a business object.
    pub fn workspace_for(&self, reference: &BusinessObjectRef) -> Option<&Node> {
        self.nodes.workspaces(None).into_iter().find(|node| {
            node.workspace.as_ref().is_some_and(|link| {
                link.references.iter().any(|r| {
                    r.ext_system_id
                        .eq_ignore_ascii_case(&reference.ext_system_id)
                        && r.bo_type.eq_ignore_ascii_case(&reference.bo_type)
                        && r.bo_id == reference.bo_id
                })
            })
        })
    }

    /// Removes a node and everything below it; returns the content files to delete.
    pub fn remove_subtree(&mut self, id: i64) -> Vec<String> {
        let mut doomed = vec![id];
        let mut index = 0;
        while index < doomed.len() {
            let parent = doomed[index];
            doomed.extend(self.children(parent).map(|node| node.id));
            index += 1;
        }
        let mut files = Vec::new();
        for node_id in doomed {
            if let Some(node) = self.nodes.remove(node_id) {
                files.extend(
                    node.versions
                        .into_iter()
                        .map(|version| version.content_file),
                );
            }
        }
        let dangling: Vec<(i64, i64)> = self
            .nodes
            .workspaces(None)
            .into_iter()
            .flat_map(|node| {
                node.workspace
                    .iter()
                    .flat_map(|link| link.relations.iter())
                    .filter(|relation| !self.nodes.contains_key(&relation.workspace_id))
                    .map(|relation| (node.id, relation.workspace_id))
            })
            .collect();
        for (workspace, gone) in dangling {
            if let Some(mut node) = self.nodes.get_mut(workspace)
                && let Some(link) = node.workspace.as_mut()
            {
                link.relations
                    .retain(|relation| relation.workspace_id != gone);
            }
        }
        files
    }

    /// The categories a new item in `parent` starts with: those whose inheritance is on,
    /// with the parent's current values.
    pub fn inherited_categories(&self, parent: i64) -> BTreeMap<i64, BTreeMap<String, Value>> {
        self.nodes.get(&parent).map_or_else(BTreeMap::new, |node| {
            node.categories
                .iter()
                .filter(|(category, _)| node.inherited_categories.contains(category))
                .map(|(category, values)| (*category, values.clone()))
                .collect()
        })
    }

    /// A user's login name, as node records show it in `owner`; `user{id}` for a user the
    /// seed did not name.
    pub fn user_name(&self, id: i64) -> String {
        self.users
            .iter()
            .find(|user| user.id == id)
            .map_or_else(|| format!("user{id}"), |user| user.name.clone())
    }

    /// The volume a node lies in: its top-level ancestor (the node itself for a volume).
    pub fn volume_of(&self, id: i64) -> i64 {
        let mut volume = id;
        let mut current = self.nodes.get(&id);
        while let Some(node) = current {
            volume = node.id;
            current = self.nodes.get(&node.parent_id);
        }
        volume
    }

    /// A user by login name.
    pub fn user_named(&self, name: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|user| user.name.eq_ignore_ascii_case(name))
    }

    /// Writes a change event and the matching audit entry.
    pub fn record(
        &mut self,
        kind: EventKind,
        node_id: i64,
        user_id: i64,
        detail: Option<Value>,
        now: OffsetDateTime,
    ) {
        let Some(node) = self.nodes.get(&node_id) else {
            return;
        };
        let (event_type, audit_name) = kind.audit();
        self.last_event_id += 1;
        let event = ChangeEvent {
            id: self.last_event_id,
            kind,
            node_id,
            parent_id: node.parent_id,
            workspace_id: self.enclosing_workspace(node_id),
            name: node.name.clone(),
            subtype: node.subtype,
            detail: detail.clone(),
            at: now,
            user_id,
        };
        self.audit.push(AuditEntry {
            id: self.last_event_id,
            node_id,
            event_type,
            audit_name: audit_name.to_owned(),
            audit_date: now,
            user_id,
            value: detail.map(|d| d.to_string()).unwrap_or_default(),
        });
        self.events.push(event);
    }

    /// Marks a node as changed now.
    pub fn touch(&mut self, id: i64, now: OffsetDateTime) {
        if let Some(mut node) = self.nodes.get_mut(id) {
            node.modify_date = now;
        }
    }
}
