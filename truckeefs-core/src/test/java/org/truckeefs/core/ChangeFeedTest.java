package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.truckeefs.core.TestFs.ROOT;
import static org.truckeefs.core.TestFs.bytes;
import static org.truckeefs.core.TestFs.createFile;
import static org.truckeefs.core.TestFs.n;
import static org.truckeefs.core.TestFs.write;

import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.FsChange;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.RenameFlags;
import org.truckeefs.api.SetAttr;
import org.truckeefs.api.Subscription;

/** Change events: each committed change reaches this host's watchers as local and the other hosts' as remote. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ChangeFeedTest {
  @TempDir Path tmp;
  private RiverFS a;
  private RiverFS b;
  private final LinkedBlockingQueue<FsChange> atA = new LinkedBlockingQueue<>();
  private final LinkedBlockingQueue<FsChange> atB = new LinkedBlockingQueue<>();

  @BeforeEach
  void setUp() throws Exception {
    TestFs t = TestFs.local(tmp);
    String space = "feed-" + UUID.randomUUID();
    a = t.host("a", space);
    b = t.host("b", space);
    a.watch(atA::add);
    b.watch(atB::add);
  }

  @AfterEach
  void tearDown() throws Exception {
    a.close();
    b.close();
  }

  private static FsChange next(LinkedBlockingQueue<FsChange> q) throws InterruptedException {
    FsChange c = q.poll(10, TimeUnit.SECONDS);
    assertThat(c).as("a change event").isNotNull();
    return c;
  }

  @Test
  void create_isAnEntryChange_localHere_remoteThere() throws Exception {
    a.release(createFile(a, "new"));
    assertThat(next(atA)).isEqualTo(new FsChange.Entry(InodeId.ROOT, n("new"), false));
    assertThat(next(atB)).isEqualTo(new FsChange.Entry(InodeId.ROOT, n("new"), true));
    assertThat(next(atB)).isEqualTo(new FsChange.Attributes(InodeId.ROOT, true));
  }

  @Test
  void contentCommit_chmod_rename_unlink_areAllAnnounced() throws Exception {
    long h = createFile(a, "f");
    InodeAttributes f = TestFs.lookup(a, "f");
    write(a, h, 0, bytes("data"));
    a.fsync(h, false);
    a.release(h);
    a.setattr(ROOT, f.id(), new SetAttr(0600, null, null, null, null, null), -1);
    a.rename(ROOT, InodeId.ROOT, n("f"), InodeId.ROOT, n("g"), RenameFlags.NONE);
    a.unlink(ROOT, InodeId.ROOT, n("g"));
    // the rename names g, the unlink removes it: wait for both announcements
    FsChange g = new FsChange.Entry(InodeId.ROOT, n("g"), true);
    java.util.List<FsChange> seen = new java.util.ArrayList<>();
    while (seen.stream().filter(g::equals).count() < 2) {
      seen.add(next(atB));
    }
    assertThat(seen).contains(new FsChange.Content(f.id(), true), new FsChange.Attributes(f.id(), true),
        new FsChange.Entry(InodeId.ROOT, n("f"), true));
    assertThat(seen).allMatch(FsChange::remote);
  }

  @Test
  void closedWatch_seesNothingMore() throws Exception {
    LinkedBlockingQueue<FsChange> gone = new LinkedBlockingQueue<>();
    Subscription s = b.watch(gone::add);
    a.release(createFile(a, "one"));
    next(gone);
    s.close();
    gone.clear();
    a.release(createFile(a, "two"));
    assertThat(next(atB)).isNotNull();
    assertThat(gone).isEmpty();
  }
}
