//! Your own partners and orders in the local stack: `gridlink-local up --seed DIR` and
//! `gridlink-local order-from-850 FILE`.
//!
//! # The seed directory
//! Every file is optional:
//! - `tgrid.json`: `{"partners": [...]}`, partners in Trading Grid simulator's seed format
//!   (`local/tgrid-sim/src/seed.rs`: `partner_id`, `name`, `edi_addresses`, `contacts`,
//!   `partnerships`). Each is added to the running simulator (`POST /__sim/partners`); a
//!   partner with a demo partner's id **replaces** it. Any other top-level key is refused.
//! - `xecm.json`: an xECM simulator seed (`local/xecm-sim/src/seed.rs`: `users`,
//!   `categories`, `folders`, `workspace_types`, `workspaces`), **added to** the demo seed
//!   (`POST /__sim/seed`): supplier workspaces (`Supplier` category with `Supplier Number`
//!   and `Trading Partner ID`), order workspaces, anything else. All or nothing: a workspace
//!   whose name or business object is already there is refused, naming it.
//! - `orders/`: 850 / ORDERS files (`*.x12`, `*.edi`, `*.850`, `*.txt`), one order workspace
//!   each ([`order_reconcile::reconcile::workspace`]): the `Purchase Order` category with its
//!   lines, the file filed in `Order`. Its supplier is the supplier workspace whose
//!   `Trading Partner ID` is the file's interchange receiver (looked up in `xecm.json`, then
//!   the demo seed).
//!
//! Loaded in that order, after the demo seeds, into a stack on the simulators. The
//! simulators persist under `--data-dir`: load into a fresh data directory (loading twice
//! refuses the duplicates).

use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use order_reconcile::reconcile::offline::InputFile;
use order_reconcile::reconcile::workspace::{OrderWorkspace, order_workspace};
use serde_json::{Value, json};

/// The demo's `Purchase Order` workspace type.
pub const ORDER_WORKSPACE_TYPE: i64 = 31;

/// The xECM demo seed shipped with the simulator.
fn demo_xecm_seed() -> anyhow::Result<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../xecm-sim/seeds/demo.json");
    read_json(&path)
}

fn read_json(path: &Path) -> anyhow::Result<Value> {
    let text = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_slice(&text).with_context(|| format!("{} is not JSON", path.display()))
}

/// `(Trading Partner ID, Supplier Number)` of every supplier workspace in an xECM seed.
fn suppliers(seed: &Value) -> Vec<(String, String)> {
    seed["workspaces"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|w| {
            let supplier = &w["categories"]["Supplier"];
            Some((
                supplier["Trading Partner ID"].as_str()?.trim().to_owned(),
                supplier["Supplier Number"].as_str()?.trim().to_owned(),
            ))
        })
        .collect()
}

/// The supplier number of the supplier workspace whose `Trading Partner ID` is `address`,
/// from the seeds given (first wins).
fn supplier_for(address: &str, seeds: &[Value]) -> Option<String> {
    seeds
        .iter()
        .flat_map(suppliers)
        .find(|(tp, _)| tp.eq_ignore_ascii_case(address))
        .map(|(_, number)| number)
}

/// The order workspace of one 850 / ORDERS file. `supplier`: the supplier number, else found
/// by the file's receiver in `seeds`.
pub fn order_from_850(
    file: &Path,
    supplier: Option<&str>,
    seeds: &[Value],
) -> anyhow::Result<OrderWorkspace> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file.display().to_string();
    let input = InputFile {
        name: &name,
        bytes: &bytes,
    };
    let supplier = if let Some(number) = supplier {
        number.to_owned()
    } else {
        let (_, receiver) = order_reconcile::reconcile::workspace::purchase_order(input)?;
        supplier_for(&receiver, seeds).ok_or_else(|| {
            anyhow!(
                "{name}: no supplier workspace has Trading Partner ID {receiver} (the \
                 interchange's receiver); add one to xecm.json or pass --supplier"
            )
        })?
    };
    Ok(order_workspace(input, &supplier, ORDER_WORKSPACE_TYPE)?)
}

/// The 850 / ORDERS files of `dir/orders`, sorted by name.
fn order_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let orders = dir.join("orders");
    if !orders.is_dir() {
        return Ok(Vec::new());
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&orders)
        .with_context(|| format!("cannot list {}", orders.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e, "x12" | "edi" | "850" | "txt"))
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Everything a seed directory holds, read and converted before anything is loaded.
#[derive(Debug, Default)]
pub struct SeedDir {
    /// TG partners (seed format).
    pub partners: Vec<Value>,
    /// The xECM seed.
    pub xecm: Option<Value>,
    /// Order workspaces converted from `orders/`.
    pub orders: Vec<OrderWorkspace>,
}

impl SeedDir {
    /// Reads and checks `dir` (see the module documentation).
    pub fn read(dir: &Path) -> anyhow::Result<Self> {
        if !dir.is_dir() {
            bail!("--seed {}: not a directory", dir.display());
        }
        let mut out = Self::default();
        let tg = dir.join("tgrid.json");
        if tg.exists() {
            let json = read_json(&tg)?;
            let Some(object) = json.as_object() else {
                bail!("{}: expected {{\"partners\": [...]}}", tg.display());
            };
            if let Some(other) = object.keys().find(|k| *k != "partners") {
                bail!(
                    "{}: `{other}` is not supported here (only `partners`; the tenant and \
                     subscriptions are the local stack's)",
                    tg.display()
                );
            }
            out.partners = json["partners"].as_array().cloned().unwrap_or_default();
        }
        let xecm = dir.join("xecm.json");
        if xecm.exists() {
            out.xecm = Some(read_json(&xecm)?);
        }
        let mut seeds: Vec<Value> = out.xecm.iter().cloned().collect();
        seeds.push(demo_xecm_seed()?);
        for file in order_files(dir)? {
            out.orders.push(order_from_850(&file, None, &seeds)?);
        }
        Ok(out)
    }

    /// Loads it into the running simulators; one line per thing loaded.
    pub async fn load(
        &self,
        tg_url: &str,
        xecm_sim_root: &str,
        http: &reqwest::Client,
    ) -> anyhow::Result<Vec<String>> {
        let mut done = Vec::new();
        for partner in &self.partners {
            let id = partner["partner_id"].as_str().unwrap_or("?");
            let url = format!("{}/__sim/partners", tg_url.trim_end_matches('/'));
            let response = http.post(&url).json(partner).send().await?;
            let status = response.status();
            let body = response.text().await.unwrap_or_default();
            if !status.is_success() {
                bail!("TG partner {id} refused ({status}): {body}");
            }
            let verb = if status.as_u16() == 201 {
                "added"
            } else {
                "replaced"
            };
            done.push(format!("TG partner {id} {verb}"));
        }
        let post_seed = |seed: Value, what: String| async move {
            let url = format!("{}/__sim/seed", xecm_sim_root.trim_end_matches('/'));
            let response = http.post(&url).json(&seed).send().await?;
            let status = response.status();
            let body = response.text().await.unwrap_or_default();
            if !status.is_success() {
                bail!("{what} refused ({status}): {body}");
            }
            Ok::<_, anyhow::Error>(body)
        };
        if let Some(seed) = &self.xecm {
            let count = seed["workspaces"].as_array().map_or(0, Vec::len);
            post_seed(seed.clone(), "xecm.json".to_owned()).await?;
            done.push(format!("xECM seed: {count} workspace(s) added"));
        }
        for order in &self.orders {
            post_seed(
                json!({"workspaces": [order.workspace]}),
                format!("order workspace PO {}", order.po_number),
            )
            .await?;
            let lines = order.workspace["categories"]["Purchase Order"]["Lines"]
                .as_array()
                .map_or(0, Vec::len);
            let mut line = format!(
                "order workspace PO {} added ({lines} line(s), supplier {}, 850 filed in Order)",
                order.po_number, order.supplier_address
            );
            for note in &order.notes {
                line.push_str("\n    note: ");
                line.push_str(note);
            }
            done.push(line);
        }
        Ok(done)
    }
}

/// The xECM seed (`{"workspaces": [...]}`) of one 850 file, for `order-from-850`: printed, to
/// keep in a seed directory's `xecm.json` or post to xecm-sim's `/__sim/seed`.
pub fn order_seed(
    file: &Path,
    supplier: Option<&str>,
    seed_dir: Option<&Path>,
) -> anyhow::Result<Value> {
    let mut seeds = Vec::new();
    if let Some(dir) = seed_dir {
        let xecm = dir.join("xecm.json");
        if xecm.exists() {
            seeds.push(read_json(&xecm)?);
        }
    }
    seeds.push(demo_xecm_seed()?);
    let order = order_from_850(file, supplier, &seeds)?;
    for note in &order.notes {
        eprintln!("note: {note}");
    }
    Ok(json!({"workspaces": [order.workspace]}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_supplier_of_an_850_is_found_by_its_receiver_in_the_seeds() {
        let demo = demo_xecm_seed().expect("test step");
        assert_eq!(
            supplier_for("ZZ:ACMESUPPLY", &[demo]).as_deref(),
            Some("0000100042")
        );
    }

    #[test]
    fn a_seed_directory_with_an_unsupported_tg_key_is_refused_naming_it() {
        let dir = tempfile::tempdir().expect("test step");
        std::fs::write(
            dir.path().join("tgrid.json"),
            r#"{"partners": [], "tenant": {}}"#,
        )
        .expect("test step");
        let error = SeedDir::read(dir.path())
            .expect_err("must fail")
            .to_string();
        assert!(error.contains("`tenant` is not supported"), "{error}");
    }
}
