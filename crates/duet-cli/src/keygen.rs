//! `duet keygen`: an institution's identity for the link.

use std::path::PathBuf;

use duet_net::{Identity, IdentityPaths};

use crate::Output;

/// Arguments of `duet keygen`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// The institution's name in its certificate (letters, digits, '-', '.').
    #[arg(long)]
    name: String,
    /// Folder for `<name>.cert.pem` and `<name>.key.pem` (the key gets mode 0600).
    #[arg(long, default_value = ".")]
    out: PathBuf,
    /// Replace existing files.
    #[arg(long)]
    force: bool,
}

/// Generates and writes the identity, then prints the fingerprint the
/// other institution must pin in the job file.
pub(crate) fn run(args: &Args, out: Output) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.out)?;
    let identity = Identity::generate(&args.name)?;
    let paths = IdentityPaths::in_dir(&args.out, &args.name);
    if let Err(e) = identity.write(&paths, args.force) {
        if let duet_net::NetError::FileExists { path } = &e {
            let msg = format!(
                "{} already exists; pass --force to replace it",
                path.display()
            );
            return Err(crate::exit::BadInput(msg).into());
        }
        return Err(e.into());
    }
    let fingerprint = identity.fingerprint().to_string();
    if out.json {
        let v = serde_json::json!({
            "name": args.name,
            "cert": paths.cert,
            "key": paths.key,
            "cert_sha256": fingerprint,
        });
        println!("{v}");
    } else if !out.quiet {
        println!("wrote {} and {}", paths.cert.display(), paths.key.display());
        println!("cert_sha256 = \"{fingerprint}\"");
        println!("Send this fingerprint to the other institution; it goes in the job file's [parties] entry for {}.", args.name);
    }
    Ok(())
}
