//! A listener waiting with [`Listener::next_peer`] outlives strangers: each
//! is refused with its address and certificate, then the pinned peer
//! connects through the same listener.

use std::time::Duration;

use duet_core::Role;
use duet_net::{connect, Handshake, Listener, NetError};

use crate::{ids, quick, rng, JOB, LOOPBACK, STEP};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strangers_are_refused_by_name_and_the_peer_still_connects() {
    let [a, b, c] = ids();
    let cfg = quick();
    let listener = Listener::bind(LOOPBACK, a, b.fingerprint(), &cfg).unwrap();
    let addr = listener.local_addr().unwrap();
    let strangers = async {
        // C with its own certificate (its side of TLS 1.3 may finish before
        // A refuses it); C refusing A's certificate (it pins itself); the
        // real B giving up after 1 ms.
        drop(connect(addr, c, a.fingerprint(), &cfg).await);
        let refusing = connect(addr, c, c.fingerprint(), &cfg).await;
        let mut hasty = cfg.clone();
        hasty.connect_timeout(Duration::from_millis(1));
        let _ = connect(addr, b, a.fingerprint(), &hasty).await;
        assert!(refusing.is_err());
        tokio::time::sleep(Duration::from_millis(200)).await;
        let peer = connect(addr, b, a.fingerprint(), &cfg).await.unwrap();
        peer.establish(&Handshake::new(JOB, Role::P1), &mut rng(2))
            .await
            .unwrap()
    };
    let waiting = async {
        let mut refused = Vec::new();
        loop {
            match listener.next_peer().await {
                // The hasty B may pass TLS, then close before the duet
                // handshake: that attempt fails, the wait goes on.
                Ok(peer) => {
                    let hs = Handshake::new(JOB, Role::P0);
                    if let Ok(ch) = peer.establish(&hs, &mut rng(1)).await {
                        return (refused, ch);
                    }
                }
                Err(NetError::Refused {
                    addr,
                    fingerprint,
                    cause,
                }) => refused.push((addr, fingerprint, *cause)),
                Err(other) => panic!("a stranger ended the wait: {other:?}"),
            }
        }
    };
    let ((refused, c0), c1) =
        tokio::time::timeout(STEP, async { tokio::join!(waiting, strangers) })
            .await
            .unwrap();
    assert!(refused.len() >= 2, "{refused:?}");
    let (from, fp, cause) = &refused[0];
    assert_eq!(from.ip(), addr.ip());
    assert_eq!(*fp, Some(c.fingerprint()));
    assert!(matches!(cause, NetError::PinMismatch { .. }), "{cause:?}");
    assert_eq!(
        refused[1].1, None,
        "no certificate from a client refusing ours"
    );
    assert!(
        matches!(refused[1].2, NetError::RefusedByPeer { .. }),
        "{:?}",
        refused[1].2
    );
    let text = NetError::Refused {
        addr: *from,
        fingerprint: *fp,
        cause: Box::new(NetError::Broken),
    }
    .to_string();
    assert!(text.contains(&from.to_string()) && text.contains(&c.fingerprint().to_string()));
    let (s0, s1) = tokio::join!(c0.close(), c1.close());
    assert_eq!(s0.unwrap().digest, s1.unwrap().digest);
}
