//! Identifiers: node, category and workspace-type ids, and business-object references.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::XecmError;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            /// A positive id.
            pub fn new(id: i64) -> Result<Self, XecmError> {
                if id > 0 { Ok(Self(id)) } else { Err(XecmError::Invalid(format!("{} must be positive, not {id}", $what))) }
            }

            /// Parses a decimal id.
            pub fn parse(text: &str) -> Result<Self, XecmError> {
                let id = text.trim().parse::<i64>().map_err(|_| XecmError::Invalid(format!("{} '{text}' is not a number", $what)))?;
                Self::new(id)
            }

            /// The number.
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

id_type!(
    /// A Content Server node id (folder, document, workspace, template…).
    NodeId, "a node id"
);
id_type!(
    /// A category id (the id of the category definition node).
    CategoryId, "a category id"
);
id_type!(
    /// A business workspace type id (`wksp_type_id`).
    WorkspaceTypeId, "a workspace type id"
);

/// A business object in a leading system, as xECM links it to a workspace.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BusinessObject {
    /// External system id as configured in xECM, e.g. `SAP_ERP`.
    pub ext_system_id: String,
    /// Business object type, e.g. `BUS2012` (purchase order), `LFA1` (vendor).
    pub bo_type: String,
    /// Business object key, e.g. `4500001234` (zero-padded as the leading system keeps it).
    pub bo_id: String,
}

impl BusinessObject {
    /// A reference; every part must be non-empty.
    pub fn new(ext_system_id: &str, bo_type: &str, bo_id: &str) -> Result<Self, XecmError> {
        for (part, value) in [
            ("ext_system_id", ext_system_id),
            ("bo_type", bo_type),
            ("bo_id", bo_id),
        ] {
            if value.trim().is_empty() {
                return Err(XecmError::Invalid(format!(
                    "a business object needs a {part}"
                )));
            }
        }
        Ok(Self {
            ext_system_id: ext_system_id.trim().to_owned(),
            bo_type: bo_type.trim().to_owned(),
            bo_id: bo_id.trim().to_owned(),
        })
    }
}

impl fmt::Display for BusinessObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.ext_system_id, self.bo_type, self.bo_id)
    }
}
