//! The commit exchange after the transcripts agree: results are written
//! only where both sides said they can write them.

use duet_core::{Channel, MsgKind};

use crate::{pair, quick};

const KIND: MsgKind = MsgKind::new(0x05fd, "commit-test");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_side_learns_whether_the_other_can_write() {
    for (ready0, ready1) in [(true, true), (true, false), (false, true), (false, false)] {
        let (mut c0, mut c1) = pair(true, &quick()).await;
        c0.send(KIND, vec![1, 2, 3]).await.unwrap();
        assert_eq!(c1.recv(KIND, 3).await.unwrap(), [1, 2, 3]);
        let (s0, s1) = tokio::join!(c0.agree(), c1.agree());
        assert_eq!(s0.unwrap().digest, s1.unwrap().digest);
        let (v0, v1) = tokio::join!(c0.commit(ready0), c1.commit(ready1));
        assert_eq!(v0.unwrap(), ready1, "P0 hears P1's answer");
        assert_eq!(v1.unwrap(), ready0, "P1 hears P0's answer");
    }
}
