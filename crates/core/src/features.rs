//! The model's features, computed from one row of inputs (per-second rates and
//! gauges) by one function, [`FeatureSet::derive`], used alike by training,
//! single prediction, batch scoring and the CLI.
//!
//! Scale-free protocol-mix features describe the *composition* of the traffic
//! (bytes per packet, TCP share of IP input, …), which carries over between
//! busy and quiet periods better than raw rates. A zero denominator gives 0.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Version of the feature definitions below. A model records it and is refused
/// when it does not match.
pub const FEATURE_VERSION: u32 = 1;

/// Which features a model reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FeatureSet {
    /// The inputs as they are.
    Rates,
    /// The inputs plus every protocol-mix feature.
    RatesMix,
    /// Interface and IP inputs plus the interface/IP mix features (the signal
    /// a transit router's counters carry).
    IfIpMix,
    /// The features a model lists by name, in its own order (inputs and mix
    /// features): an imported forest reads whatever its producer trained on.
    Named,
}

impl FeatureSet {
    pub const ALL: [FeatureSet; 3] = [FeatureSet::Rates, FeatureSet::RatesMix, FeatureSet::IfIpMix];

    pub fn name(self) -> &'static str {
        match self {
            FeatureSet::Rates => "rates",
            FeatureSet::RatesMix => "rates+mix",
            FeatureSet::IfIpMix => "if/ip rates+mix",
            FeatureSet::Named => "named",
        }
    }

    pub fn parse(s: &str) -> Option<FeatureSet> {
        FeatureSet::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(s))
    }

    fn mixes(self) -> &'static [Mix] {
        match self {
            FeatureSet::Rates | FeatureSet::Named => &[],
            FeatureSet::RatesMix => &MIXES,
            FeatureSet::IfIpMix => &MIXES[..IF_IP_MIXES],
        }
    }

    fn keeps_input(self, name: &str) -> bool {
        match self {
            FeatureSet::IfIpMix => crate::schema::lookup(name).is_some_and(|v| {
                matches!(
                    v.group,
                    crate::schema::MibGroup::Interface | crate::schema::MibGroup::Ip
                )
            }),
            _ => true,
        }
    }

    /// Bind this feature set to a list of input columns (for
    /// [`FeatureSet::Named`], see [`FeaturePlan::named`]).
    pub fn plan(self, inputs: &[String]) -> Result<FeaturePlan, FeatureError> {
        let mut names = Vec::new();
        let mut steps = Vec::new();
        for (i, n) in inputs.iter().enumerate() {
            if self.keeps_input(n) {
                steps.push(Step::Input(i));
                names.push(n.clone());
            }
        }
        for m in self.mixes() {
            steps.push(m.bind(self, inputs)?);
            names.push(m.name.to_string());
        }
        if names.is_empty() {
            return Err(FeatureError::Empty { set: self });
        }
        Ok(FeaturePlan {
            set: self,
            n_inputs: inputs.len(),
            steps,
            names,
        })
    }
}

/// Every feature name a plan can compute from `inputs`: the inputs, then
/// the mix features whose inputs are all there.
pub fn known_features(inputs: &[String]) -> Vec<String> {
    inputs
        .iter()
        .cloned()
        .chain(
            MIXES
                .iter()
                .filter(|m| m.bind(FeatureSet::Named, inputs).is_ok())
                .map(|m| m.name.to_string()),
        )
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MixKind {
    /// sum(num) / sum(den), 0 when the denominator is 0.
    Ratio,
    /// ln((1 + sum(num)) / (1 + sum(den))).
    LogRatio,
}

struct Mix {
    name: &'static str,
    kind: MixKind,
    num: &'static [&'static str],
    den: &'static [&'static str],
}

impl Mix {
    /// This mix over `inputs`' columns, or the input it lacks.
    fn bind(&self, set: FeatureSet, inputs: &[String]) -> Result<Step, FeatureError> {
        let idx = |cols: &[&str]| -> Result<Vec<usize>, FeatureError> {
            cols.iter()
                .map(|c| {
                    inputs
                        .iter()
                        .position(|i| i.eq_ignore_ascii_case(c))
                        .ok_or_else(|| FeatureError::MissingInput {
                            set,
                            feature: self.name,
                            input: c.to_string(),
                        })
                })
                .collect()
        };
        Ok(Step::Mix(self.kind, idx(self.num)?, idx(self.den)?))
    }

    /// The formula in words.
    fn describe(&self) -> String {
        let sum = |c: &[&str]| {
            if c.len() == 1 {
                c[0].to_string()
            } else {
                format!("({})", c.join(" + "))
            }
        };
        match self.kind {
            MixKind::Ratio => format!(
                "{} / {}, 0 when the denominator is 0",
                sum(self.num),
                sum(self.den)
            ),
            MixKind::LogRatio => format!("ln((1 + {}) / (1 + {}))", sum(self.num), sum(self.den)),
        }
    }
}

/// One feature of a plan: an input passed through, or a mix of inputs.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Input(usize),
    Mix(MixKind, Vec<usize>, Vec<usize>),
}

const IN_PKTS: &[&str] = &["ifInUcastPkts11", "ifInNUcastPkts11"];
const OUT_PKTS: &[&str] = &["ifOutUcastPkts11", "ifOutNUcastPkts11"];

/// Interface/IP mixes first: `IfIpMix` takes the first `IF_IP_MIXES`.
const IF_IP_MIXES: usize = 8;
const MIXES: [Mix; 13] = [
    Mix {
        name: "bytesPerPktIn",
        kind: MixKind::Ratio,
        num: &["ifInOctets11"],
        den: IN_PKTS,
    },
    Mix {
        name: "bytesPerPktOut",
        kind: MixKind::Ratio,
        num: &["ifOutOctets11"],
        den: OUT_PKTS,
    },
    Mix {
        name: "octetsInOutLogRatio",
        kind: MixKind::LogRatio,
        num: &["ifInOctets11"],
        den: &["ifOutOctets11"],
    },
    Mix {
        name: "ucastInOutLogRatio",
        kind: MixKind::LogRatio,
        num: &["ifInUcastPkts11"],
        den: &["ifOutUcastPkts11"],
    },
    Mix {
        name: "forwardedShare",
        kind: MixKind::Ratio,
        num: &["ipForwDatagrams"],
        den: &["ipInReceives"],
    },
    Mix {
        name: "ipPerIfPkt",
        kind: MixKind::Ratio,
        num: &["ipInReceives"],
        den: IN_PKTS,
    },
    Mix {
        name: "nonUcastShare",
        kind: MixKind::Ratio,
        num: &["ifInNUcastPkts11"],
        den: IN_PKTS,
    },
    Mix {
        name: "discardShare",
        kind: MixKind::Ratio,
        num: &["ifInDiscards11", "ifOutDiscards11"],
        den: &[
            "ifInUcastPkts11",
            "ifInNUcastPkts11",
            "ifOutUcastPkts11",
            "ifOutNUcastPkts11",
        ],
    },
    Mix {
        name: "tcpShare",
        kind: MixKind::Ratio,
        num: &["tcpInSegs"],
        den: &["ipInReceives"],
    },
    Mix {
        name: "udpShare",
        kind: MixKind::Ratio,
        num: &["udpInDatagrams"],
        den: &["ipInReceives"],
    },
    Mix {
        name: "icmpShare",
        kind: MixKind::Ratio,
        num: &["icmpInMsgs"],
        den: &["ipInReceives"],
    },
    Mix {
        name: "passiveOpensPerSeg",
        kind: MixKind::Ratio,
        num: &["tcpPassiveOpens"],
        den: &["tcpInSegs"],
    },
    Mix {
        name: "resetsPerSeg",
        kind: MixKind::Ratio,
        num: &["tcpOutRsts"],
        den: &["tcpInSegs"],
    },
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeatureError {
    MissingInput {
        set: FeatureSet,
        feature: &'static str,
        input: String,
    },
    Empty {
        set: FeatureSet,
    },
    /// A named feature that is neither an input nor a mix feature.
    Unknown {
        name: String,
    },
}

impl fmt::Display for FeatureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FeatureError::MissingInput {
                set,
                feature,
                input,
            } => write!(
                f,
                "the feature set \"{}\" needs the column \"{input}\" (for {feature}); choose the \"rates\" feature set or add the column.",
                set.name()
            ),
            FeatureError::Empty { set } => write!(
                f,
                "the feature set \"{}\" finds no usable column in this file.",
                set.name()
            ),
            FeatureError::Unknown { name } => write!(
                f,
                "\"{name}\" is neither a model input nor a feature mibwatch computes."
            ),
        }
    }
}

impl std::error::Error for FeatureError {}

/// A feature set bound to input columns: computes a feature row from an input row.
#[derive(Debug, Clone, PartialEq)]
pub struct FeaturePlan {
    pub set: FeatureSet,
    pub n_inputs: usize,
    steps: Vec<Step>,
    /// Names of the computed features, in order.
    pub names: Vec<String>,
}

impl FeaturePlan {
    /// A plan computing the features `names`, in that order, from `inputs`:
    /// each is an input or a mix feature (see [`known_features`]).
    pub fn named(inputs: &[String], names: &[String]) -> Result<FeaturePlan, FeatureError> {
        let steps = names
            .iter()
            .map(|n| {
                if let Some(i) = inputs.iter().position(|c| c.eq_ignore_ascii_case(n)) {
                    return Ok(Step::Input(i));
                }
                MIXES
                    .iter()
                    .find(|m| m.name.eq_ignore_ascii_case(n))
                    .ok_or_else(|| FeatureError::Unknown { name: n.clone() })?
                    .bind(FeatureSet::Named, inputs)
            })
            .collect::<Result<Vec<_>, _>>()?;
        if steps.is_empty() {
            return Err(FeatureError::Empty {
                set: FeatureSet::Named,
            });
        }
        Ok(FeaturePlan {
            set: FeatureSet::Named,
            n_inputs: inputs.len(),
            steps,
            names: names.to_vec(),
        })
    }

    /// What feature `j` is, in words: an input's description, or a mix
    /// feature's formula over the inputs.
    pub fn describe(&self, j: usize) -> String {
        let name = &self.names[j];
        match &self.steps[j] {
            Step::Input(_) => crate::schema::lookup(name).map_or_else(
                || format!("the input {name}"),
                |v| format!("{} ({})", v.description, v.unit()),
            ),
            Step::Mix(..) => MIXES
                .iter()
                .find(|m| m.name == name)
                .map_or_else(String::new, |m| m.describe()),
        }
    }

    pub fn n_features(&self) -> usize {
        self.names.len()
    }

    /// Whether the features read input `i` at all.
    pub fn uses_input(&self, i: usize) -> bool {
        self.steps.iter().any(|s| match s {
            Step::Input(j) => *j == i,
            Step::Mix(_, num, den) => num.contains(&i) || den.contains(&i),
        })
    }

    /// Number of leading features that are inputs passed through.
    pub fn n_passed_through(&self) -> usize {
        self.steps
            .iter()
            .take_while(|s| matches!(s, Step::Input(_)))
            .count()
    }

    /// The one feature function: input row → feature row (appended to `out`).
    pub fn derive_into(&self, inputs: &[f64], out: &mut Vec<f64>) {
        for step in &self.steps {
            let (kind, num, den) = match step {
                Step::Input(i) => {
                    out.push(inputs[*i]);
                    continue;
                }
                Step::Mix(kind, num, den) => (kind, num, den),
            };
            let n: f64 = num.iter().map(|&i| inputs[i]).sum();
            let d: f64 = den.iter().map(|&i| inputs[i]).sum();
            let v = match kind {
                MixKind::Ratio => {
                    if d > 0.0 {
                        n / d
                    } else {
                        0.0
                    }
                }
                MixKind::LogRatio => ((1.0 + n.max(0.0)) / (1.0 + d.max(0.0))).ln(),
            };
            out.push(if v.is_finite() { v } else { 0.0 });
        }
    }

    pub fn derive(&self, inputs: &[f64]) -> Vec<f64> {
        let mut out = Vec::with_capacity(self.n_features());
        self.derive_into(inputs, &mut out);
        out
    }

    /// Feature rows of a row-major input matrix.
    pub fn derive_all(&self, inputs: &[f64]) -> Vec<f64> {
        let mut out = Vec::with_capacity(inputs.len() / self.n_inputs.max(1) * self.n_features());
        for row in inputs.chunks_exact(self.n_inputs) {
            self.derive_into(row, &mut out);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::MIB_VARS;

    fn inputs() -> Vec<String> {
        MIB_VARS.iter().map(|v| v.name.to_string()).collect()
    }

    fn row(pairs: &[(&str, f64)]) -> Vec<f64> {
        let names = inputs();
        let mut r = vec![0.0; names.len()];
        for (n, v) in pairs {
            r[names.iter().position(|c| c == n).unwrap()] = *v;
        }
        r
    }

    fn feature(plan: &FeaturePlan, r: &[f64], name: &str) -> f64 {
        plan.derive(r)[plan.names.iter().position(|n| n == name).unwrap()]
    }

    #[test]
    fn mix_features_by_hand() {
        let plan = FeatureSet::RatesMix.plan(&inputs()).unwrap();
        assert_eq!(plan.n_features(), 34 + 13);
        assert_eq!(plan.n_passed_through(), 34);
        let r = row(&[
            ("ifInOctets11", 6000.0),
            ("ifInUcastPkts11", 10.0),
            ("ifInNUcastPkts11", 2.0),
            ("ifOutOctets11", 999.0),
            ("ifOutUcastPkts11", 3.0),
            ("ifOutNUcastPkts11", 1.0),
            ("ifInDiscards11", 1.0),
            ("ifOutDiscards11", 2.0),
            ("ipInReceives", 24.0),
            ("ipForwDatagrams", 6.0),
            ("tcpInSegs", 12.0),
            ("udpInDatagrams", 3.0),
            ("icmpInMsgs", 2.0),
            ("tcpPassiveOpens", 4.0),
            ("tcpOutRsts", 6.0),
        ]);
        let f = |n| feature(&plan, &r, n);
        assert_eq!(f("bytesPerPktIn"), 500.0);
        assert_eq!(f("bytesPerPktOut"), 999.0 / 4.0);
        assert!((f("octetsInOutLogRatio") - (6001.0f64 / 1000.0).ln()).abs() < 1e-12);
        assert!((f("ucastInOutLogRatio") - (11.0f64 / 4.0).ln()).abs() < 1e-12);
        assert_eq!(f("forwardedShare"), 0.25);
        assert_eq!(f("ipPerIfPkt"), 2.0);
        assert_eq!(f("nonUcastShare"), 2.0 / 12.0);
        assert_eq!(f("discardShare"), 3.0 / 16.0);
        assert_eq!(f("tcpShare"), 0.5);
        assert_eq!(f("udpShare"), 0.125);
        assert_eq!(f("icmpShare"), 2.0 / 24.0);
        assert_eq!(f("passiveOpensPerSeg"), 4.0 / 12.0);
        assert_eq!(f("resetsPerSeg"), 0.5);
        // Inputs pass through first, unchanged.
        assert_eq!(&plan.derive(&r)[..34], &r[..]);
    }

    #[test]
    fn zero_denominators_give_zero_never_nan() {
        for set in FeatureSet::ALL {
            let plan = set.plan(&inputs()).unwrap();
            let zeros = plan.derive(&vec![0.0; 34]);
            assert!(zeros.iter().all(|v| *v == 0.0), "{set:?}: {zeros:?}");
            let mut only_num = vec![0.0; 34];
            only_num[0] = 5.0; // octets with no packets
            assert!(plan.derive(&only_num).iter().all(|v| v.is_finite()));
        }
    }

    #[test]
    fn if_ip_set_keeps_interface_and_ip_only() {
        let plan = FeatureSet::IfIpMix.plan(&inputs()).unwrap();
        assert_eq!(plan.n_passed_through(), 16);
        assert_eq!(plan.n_features(), 16 + 8);
        assert!(
            !plan
                .names
                .iter()
                .any(|n| n.starts_with("tcp") || n.starts_with("udp"))
        );
        assert_eq!(plan.names[16], "bytesPerPktIn");
        let names = inputs();
        let used = |n: &str| plan.uses_input(names.iter().position(|c| c == n).unwrap());
        assert!(used("ifInOctets11") && used("ipForwDatagrams"));
        assert!(!used("tcpInSegs") && !used("icmpInEchos"));
    }

    #[test]
    fn plans_need_their_columns() {
        let few = vec!["tcpInSegs".to_string(), "udpNoPorts".to_string()];
        let p = FeatureSet::Rates.plan(&few).unwrap();
        assert_eq!(p.derive(&[3.0, 4.0]), vec![3.0, 4.0]);
        let e = FeatureSet::RatesMix.plan(&few).unwrap_err();
        assert!(
            e.to_string().contains("needs the column \"ifInOctets11\""),
            "{e}"
        );
        assert!(matches!(
            FeatureSet::IfIpMix.plan(&few),
            Err(FeatureError::Empty { .. }) | Err(FeatureError::MissingInput { .. })
        ));
        assert_eq!(FeatureSet::parse("RATES+MIX"), Some(FeatureSet::RatesMix));
        assert_eq!(FeatureSet::parse("named"), None, "not a set one chooses");
        // Derive over a matrix.
        assert_eq!(
            p.derive_all(&[1.0, 2.0, 3.0, 4.0]),
            vec![1.0, 2.0, 3.0, 4.0]
        );
    }

    #[test]
    fn a_named_plan_computes_its_features_in_its_order() {
        let names: Vec<String> = ["bytesPerPktIn", "tcpInSegs", "ifInOctets11"]
            .map(String::from)
            .to_vec();
        let plan = FeaturePlan::named(&inputs(), &names).unwrap();
        assert_eq!(plan.set, FeatureSet::Named);
        let r = row(&[
            ("ifInOctets11", 6000.0),
            ("ifInUcastPkts11", 10.0),
            ("ifInNUcastPkts11", 2.0),
            ("tcpInSegs", 7.0),
        ]);
        assert_eq!(plan.derive(&r), vec![500.0, 7.0, 6000.0]);
        assert_eq!(plan.n_passed_through(), 0);
        assert_eq!(
            plan.describe(0),
            "ifInOctets11 / (ifInUcastPkts11 + ifInNUcastPkts11), 0 when the denominator is 0"
        );
        assert!(
            plan.describe(1).contains("per second"),
            "{}",
            plan.describe(1)
        );
        let e = FeaturePlan::named(&inputs(), &["nope".to_string()]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "\"nope\" is neither a model input nor a feature mibwatch computes."
        );
        let few = vec!["tcpInSegs".to_string()];
        assert_eq!(known_features(&few), vec!["tcpInSegs"]);
        assert_eq!(known_features(&inputs()).len(), 34 + 13);
        // The standard sets are named plans of their own names.
        for set in FeatureSet::ALL {
            let a = set.plan(&inputs()).unwrap();
            let b = FeaturePlan::named(&inputs(), &a.names).unwrap();
            assert_eq!(a.derive(&r), b.derive(&r), "{set:?}");
        }
    }
}
