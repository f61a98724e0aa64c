//! A function's role policy as `infra/template.yaml` deploys it, resolved to plain JSON.
//!
//! The function `<name>` is the `AWS::Serverless::Function` whose `CodeUri` is
//! `../functions/<name>`; its `Role: !GetAtt <RoleId>.Arn` names the `AWS::IAM::Role` whose
//! inline policies are merged into one document. CloudFormation forms are resolved against
//! [`DeployedNames`]: `!Ref` / `Ref` (resources, parameters, `AWS::*` pseudo parameters),
//! `!GetAtt` / `Fn::GetAtt` (`Arn` of the table, the bucket, queues) and `!Sub` / `Fn::Sub`
//! (`${Name}` and `${Name.Attr}`). Anything else is an error naming it, never a guess.

use std::collections::BTreeMap;

use serde_json::Value as Json;
use serde_norway::Value as Yaml;

/// The deployed template, read when this crate is compiled with `test-support`.
pub const TEMPLATE: &str = include_str!("../../../../infra/template.yaml");

/// What the template's names resolve to in a test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployedNames {
    /// `AWS::StackName`.
    pub stack: String,
    /// `AWS::Region`.
    pub region: String,
    /// `AWS::AccountId`.
    pub account: String,
    /// `!Ref Bucket`.
    pub bucket: String,
    /// `!Ref Table`.
    pub table: String,
    /// Template parameters by name (`XecmPasswordSecretArn` → an ARN). A parameter that is
    /// referenced but not given is an error.
    pub parameters: BTreeMap<String, String>,
}

impl DeployedNames {
    /// Stack `gridlink-test` in moto's account and region, with this bucket and table and no
    /// parameters.
    pub fn new(bucket: &str, table: &str) -> Self {
        Self {
            stack: "gridlink-test".to_owned(),
            region: super::iam::REGION.to_owned(),
            account: super::iam::ACCOUNT.to_owned(),
            bucket: bucket.to_owned(),
            table: table.to_owned(),
            parameters: BTreeMap::new(),
        }
    }

    /// Also resolves `!Ref <parameter>` to `value`.
    #[must_use]
    pub fn with_parameter(mut self, parameter: &str, value: &str) -> Self {
        self.parameters
            .insert(parameter.to_owned(), value.to_owned());
        self
    }

    fn reference(&self, name: &str) -> Result<String, String> {
        match name {
            "AWS::StackName" => Ok(self.stack.clone()),
            "AWS::Region" => Ok(self.region.clone()),
            "AWS::AccountId" => Ok(self.account.clone()),
            "AWS::Partition" => Ok("aws".to_owned()),
            "AWS::URLSuffix" => Ok("amazonaws.com".to_owned()),
            "Bucket" => Ok(self.bucket.clone()),
            "Table" => Ok(self.table.clone()),
            other => self
                .parameters
                .get(other)
                .cloned()
                .ok_or_else(|| format!("!Ref {other}: no value given for it")),
        }
    }

    fn attribute(&self, resource: &str, attribute: &str) -> Result<String, String> {
        let (region, account) = (&self.region, &self.account);
        match (resource, attribute) {
            ("Table", "Arn") => Ok(format!(
                "arn:aws:dynamodb:{region}:{account}:table/{}",
                self.table
            )),
            ("Bucket", "Arn") => Ok(format!("arn:aws:s3:::{}", self.bucket)),
            (queue, "Arn") if queue.ends_with("Queue") => Ok(format!(
                "arn:aws:sqs:{region}:{account}:{}-{queue}",
                self.stack
            )),
            _ => Err(format!(
                "!GetAtt {resource}.{attribute}: not resolvable in tests"
            )),
        }
    }

    /// `!Sub` text with `${Name}` / `${Name.Attr}` replaced.
    fn substitute(&self, text: &str) -> Result<String, String> {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find('}')
                .ok_or_else(|| format!("!Sub {text:?}: unclosed ${{"))?;
            let name = &after[..end];
            let value = match name.split_once('.') {
                Some((resource, attribute)) if !name.starts_with("AWS::") => {
                    self.attribute(resource, attribute)?
                }
                _ => self.reference(name)?,
            };
            out.push_str(&value);
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// A template value with every CloudFormation function resolved, as JSON.
    ///
    /// # Errors
    /// A function or name these names cannot resolve.
    pub fn resolve(&self, value: &Yaml) -> Result<Json, String> {
        match value {
            Yaml::Tagged(tagged) => self.function(&tagged.tag.to_string(), &tagged.value),
            Yaml::Mapping(mapping) => {
                if mapping.len() == 1
                    && let Some((Yaml::String(key), inner)) = mapping.iter().next()
                    && (key == "Ref" || key.starts_with("Fn::"))
                {
                    return self.function(key, inner);
                }
                let mut object = serde_json::Map::new();
                for (key, inner) in mapping {
                    let key = key
                        .as_str()
                        .ok_or_else(|| format!("a non-string key {key:?}"))?;
                    object.insert(key.to_owned(), self.resolve(inner)?);
                }
                Ok(Json::Object(object))
            }
            Yaml::Sequence(items) => items
                .iter()
                .map(|item| self.resolve(item))
                .collect::<Result<_, _>>()
                .map(Json::Array),
            Yaml::String(text) => Ok(Json::String(text.clone())),
            Yaml::Bool(flag) => Ok(Json::Bool(*flag)),
            Yaml::Number(number) => serde_json::to_value(number).map_err(|e| e.to_string()),
            Yaml::Null => Ok(Json::Null),
        }
    }

    fn function(&self, name: &str, argument: &Yaml) -> Result<Json, String> {
        let name = name.trim_start_matches('!');
        let text = |what: &str| {
            argument
                .as_str()
                .ok_or_else(|| format!("{what} needs a plain string, got {argument:?}"))
        };
        match name {
            "Ref" => self.reference(text("!Ref")?).map(Json::String),
            "Sub" | "Fn::Sub" => self.substitute(text("!Sub")?).map(Json::String),
            "GetAtt" | "Fn::GetAtt" => {
                let (resource, attribute) = match argument {
                    Yaml::String(dotted) => dotted
                        .split_once('.')
                        .ok_or_else(|| format!("!GetAtt {dotted}: no attribute"))?,
                    Yaml::Sequence(parts) if parts.len() == 2 => (
                        parts[0].as_str().unwrap_or_default(),
                        parts[1].as_str().unwrap_or_default(),
                    ),
                    other => return Err(format!("!GetAtt {other:?}: unreadable")),
                };
                self.attribute(resource, attribute).map(Json::String)
            }
            other => Err(format!("!{other}: not resolvable in tests")),
        }
    }
}

/// The logical id of the function built from `functions/<function>`.
fn function_resource<'a>(resources: &'a serde_norway::Mapping, function: &str) -> Option<&'a Yaml> {
    let code_uri = format!("../functions/{function}");
    resources.values().find(|resource| {
        resource.get("Type").and_then(Yaml::as_str) == Some("AWS::Serverless::Function")
            && resource
                .get("Properties")
                .and_then(|p| p.get("CodeUri"))
                .and_then(Yaml::as_str)
                == Some(code_uri.as_str())
    })
}

/// The role policy of `function` in [`TEMPLATE`], resolved against `names`: one policy
/// document holding the statements of all the role's inline policies.
///
/// # Errors
/// The function, its role or a policy is missing, or a value cannot be resolved.
pub fn role_policy(function: &str, names: &DeployedNames) -> Result<Json, String> {
    role_policy_in(TEMPLATE, function, names)
}

/// [`role_policy`] for another template text (a broken copy, in the checker's own tests).
///
/// # Errors
/// As [`role_policy`].
pub fn role_policy_in(
    template: &str,
    function: &str,
    names: &DeployedNames,
) -> Result<Json, String> {
    let yaml: Yaml = serde_norway::from_str(template).map_err(|e| format!("not YAML: {e}"))?;
    role_policy_of(&yaml, function, names)
}

/// [`role_policy`] for a parsed template.
///
/// # Errors
/// As [`role_policy`].
pub fn role_policy_of(yaml: &Yaml, function: &str, names: &DeployedNames) -> Result<Json, String> {
    let resources = yaml
        .get("Resources")
        .and_then(Yaml::as_mapping)
        .ok_or("no Resources")?;
    let resource = function_resource(resources, function)
        .ok_or_else(|| format!("no function with CodeUri ../functions/{function}"))?;
    let role_id = match resource.get("Properties").and_then(|p| p.get("Role")) {
        Some(Yaml::Tagged(tagged)) if tagged.tag == "GetAtt" => tagged
            .value
            .as_str()
            .and_then(|dotted| dotted.strip_suffix(".Arn"))
            .map(str::to_owned),
        _ => None,
    }
    .ok_or_else(|| format!("{function}: Role is not !GetAtt <Role>.Arn"))?;
    let role = resources
        .get(role_id.as_str())
        .ok_or_else(|| format!("{function}: no resource {role_id}"))?;
    if role.get("Type").and_then(Yaml::as_str) != Some("AWS::IAM::Role") {
        return Err(format!("{function}: {role_id} is not an AWS::IAM::Role"));
    }
    let policies = role
        .get("Properties")
        .and_then(|p| p.get("Policies"))
        .and_then(Yaml::as_sequence)
        .ok_or_else(|| format!("{role_id} has no inline Policies"))?;
    let mut statements = Vec::new();
    for policy in policies {
        let document = names.resolve(
            policy
                .get("PolicyDocument")
                .ok_or_else(|| format!("{role_id}: a policy without PolicyDocument"))?,
        )?;
        match document.get("Statement") {
            Some(Json::Array(list)) => statements.extend(list.iter().cloned()),
            Some(single @ Json::Object(_)) => statements.push(single.clone()),
            _ => return Err(format!("{role_id}: a policy without Statement")),
        }
    }
    Ok(serde_json::json!({"Version": "2012-10-17", "Statement": statements}))
}
