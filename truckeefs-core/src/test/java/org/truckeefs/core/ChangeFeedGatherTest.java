package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.FsChange;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.Name;
import org.truckeefs.spi.BackendContext;
import org.truckeefs.spi.MessageListener;
import org.truckeefs.spi.Ticker;

/**
 * The changes of many operations go out to the other hosts together, in order, in one message from the scheduler;
 * this host's watchers still see each at once.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ChangeFeedGatherTest {
  @TempDir Path dir;
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final String space = "gather-" + System.nanoTime();
  private LocalCoordinator here;
  private LocalCoordinator there;
  /** Every message that reaches the other host, raw. */
  private final CopyOnWriteArrayList<byte[]> messages = new CopyOnWriteArrayList<>();
  /** The changes the other host's feed decodes from them. */
  private final LinkedBlockingQueue<FsChange> remote = new LinkedBlockingQueue<>();
  private ChangeFeed feed;
  private ChangeFeed theirs;

  @BeforeEach
  void setUp() throws Exception {
    here = coordinator();
    there = coordinator();
    there.subscribe(new MessageListener() {
      @Override
      public void onMessage(byte[] message) {
        messages.add(message);
      }

      @Override
      public void onGap() {}
    });
    theirs = new ChangeFeed(there, null);
    theirs.watch(remote::add);
    feed = new ChangeFeed(here, scheduler);
  }

  private LocalCoordinator coordinator() {
    return new LocalCoordinator(new BackendContext("feed", dir, Clock.systemUTC(), Ticker.system(), scheduler), space,
        Duration.ofMinutes(1));
  }

  @AfterEach
  void tearDown() {
    feed.close();
    theirs.close();
    here.close();
    there.close();
    scheduler.shutdownNow();
  }

  @Test
  void manyOperations_goOutAsOneMessage_inOrder_whileLocalWatchersSeeEachAtOnce() throws Exception {
    List<FsChange> local = new CopyOnWriteArrayList<>();
    feed.watch(local::add);
    CountDownLatch hold = new CountDownLatch(1);
    scheduler.execute(() -> awaitQuietly(hold)); // the scheduler is busy: nothing can go out yet
    List<FsChange> published = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      FsChange entry = new FsChange.Entry(InodeId.ROOT, Name.of("f" + i), false);
      FsChange attrs = new FsChange.Attributes(InodeId.ROOT, false);
      feed.publish(entry, attrs);
      published.add(entry);
      published.add(attrs);
    }
    assertThat(local).as("this host's watchers, at once").isEqualTo(published);
    assertThat(messages).as("nothing sent while the operations are gathered").isEmpty();

    hold.countDown();
    List<FsChange> seen = new ArrayList<>();
    for (int i = 0; i < published.size(); i++) {
      FsChange c = remote.poll(10, TimeUnit.SECONDS);
      assertThat(c).as("change %d at the other host", i).isNotNull();
      seen.add(c);
    }
    assertThat(seen).isEqualTo(published.stream().map(ChangeFeedGatherTest::asRemote).toList());
    assertThat(messages).as("one message for all 50 operations").hasSize(1);
  }

  @Test
  void moreChangesThanOneMessageHolds_goOutInSeveral() throws Exception {
    CountDownLatch hold = new CountDownLatch(1);
    scheduler.execute(() -> awaitQuietly(hold));
    int n = ChangeFeed.MAX_PER_MESSAGE * 2 + 1;
    for (int i = 0; i < n; i++) {
      feed.publish(new FsChange.Content(InodeId.of(100 + i), false));
    }
    hold.countDown();
    for (int i = 0; i < n; i++) {
      assertThat(remote.poll(10, TimeUnit.SECONDS)).isEqualTo(new FsChange.Content(InodeId.of(100 + i), true));
    }
    assertThat(messages).hasSize(3);
  }

  /** A scheduler held up by a long daemon pass must not let changes pile up: the publishing thread sends them. */
  @Test
  void aHeldUpScheduler_gathersAtMostMaxPending_thenThePublisherSends() throws Exception {
    CountDownLatch hold = new CountDownLatch(1);
    scheduler.execute(() -> awaitQuietly(hold));
    for (int i = 0; i < ChangeFeed.MAX_PENDING - 1; i++) {
      feed.publish(new FsChange.Content(InodeId.of(100 + i), false));
    }
    assertThat(messages).isEmpty();
    feed.publish(new FsChange.Content(InodeId.of(100 + ChangeFeed.MAX_PENDING - 1), false));
    assertThat(messages).as("sent by the publisher, the scheduler still held")
        .hasSize(ChangeFeed.MAX_PENDING / ChangeFeed.MAX_PER_MESSAGE);
    for (int i = 0; i < ChangeFeed.MAX_PENDING; i++) {
      assertThat(remote.poll(10, TimeUnit.SECONDS)).isEqualTo(new FsChange.Content(InodeId.of(100 + i), true));
    }
    hold.countDown();
  }

  @Test
  void close_sendsWhatIsGathered_andLaterChangesGoOutAtOnce() throws Exception {
    CountDownLatch hold = new CountDownLatch(1);
    scheduler.execute(() -> awaitQuietly(hold));
    feed.publish(new FsChange.Content(InodeId.of(7), false));
    feed.close(); // on the closing thread, though the scheduler is still busy
    assertThat(remote.poll(10, TimeUnit.SECONDS)).isEqualTo(new FsChange.Content(InodeId.of(7), true));
    feed.publish(new FsChange.Content(InodeId.of(8), false)); // a commit at close, after the feed closed
    assertThat(remote.poll(10, TimeUnit.SECONDS)).isEqualTo(new FsChange.Content(InodeId.of(8), true));
    assertThat(messages).hasSize(2);
    hold.countDown();
  }

  private static FsChange asRemote(FsChange c) {
    if (c instanceof FsChange.Entry e) {
      return new FsChange.Entry(e.parent(), e.name(), true);
    }
    return new FsChange.Attributes(((FsChange.Attributes) c).inode(), true);
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
