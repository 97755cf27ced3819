package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.truckeefs.api.Caller;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;
import org.truckeefs.api.XattrMode;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.NewInode;
import org.truckeefs.testkit.FakeTicker;

/** Extended attributes without a filesystem: Linux's namespace rules, permissions and the absent-attribute memory. */
class XattrsTest {
  static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
  static final Duration TTL = Duration.ofSeconds(1);
  static final Caller OWNER = Caller.of(1000, 1000);
  static final Caller OTHER = Caller.of(2000, 2000);

  final FakeTicker ticker = new FakeTicker();
  final InMemoryMetadataStore store = new InMemoryMetadataStore(Clock.systemUTC());
  final List<String> storeCalls = new CopyOnWriteArrayList<>();
  final Set<InodeId> open = new HashSet<>();
  final List<String> changes = new CopyOnWriteArrayList<>();
  CachedMetadataStore meta;
  Xattrs xattrs;
  InodeAttributes file;
  InodeAttributes stickyDir;

  @BeforeEach
  void setUp() throws Exception {
    InodeAttributes root = store.initRoot(new NewInode(InodeType.DIRECTORY, 0777, 0, 0, 0, T, null));
    file = store.create(root.id(), Name.of("f"), new NewInode(InodeType.FILE, 0644, 1000, 1000, 0, T, null));
    stickyDir = store.create(root.id(), Name.of("t"),
        new NewInode(InodeType.DIRECTORY, 01777, 1000, 1000, 0, T, null));
    meta = new CachedMetadataStore(counted(store), TTL, ticker);
    xattrs = new Xattrs(meta, meta::getAttributes, open::contains, new Xattrs.Changes() {
      @Override
      public void published(InodeId inode) {
        changes.add("published " + inode.value());
      }

      @Override
      public void touched(InodeId inode) {
        changes.add("touched " + inode.value());
      }
    }, Clock.systemUTC(), ticker, TTL);
  }

  MetadataStore counted(MetadataStore target) {
    return RecordingStore.of(target, storeCalls);
  }

  static void assertError(FsError e, ThrowingCallable call) {
    assertThatThrownBy(call).isInstanceOfSatisfying(FsException.class, x -> assertThat(x.error()).isEqualTo(e));
  }

  @Nested
  class Names {
    @Test
    void aKnownPrefixNamesTheNamespace() throws Exception {
      assertThat(Xattrs.namespace("user.a")).isEqualTo(Xattrs.Namespace.USER);
      assertThat(Xattrs.namespace("trusted.a")).isEqualTo(Xattrs.Namespace.PRIVILEGED);
    }

    @Test
    void labelsCapabilitiesAndAcls_areNotSupported() {
      for (String n : new String[] {"security.selinux", "security.capability", "system.posix_acl_access",
          "system.posix_acl_default", "system.nfs4_acl"}) {
        assertError(FsError.NOT_SUPPORTED, () -> Xattrs.namespace(n));
      }
    }

    @Test
    void noPrefixOrABarePrefix_isNotSupported() {
      assertError(FsError.NOT_SUPPORTED, () -> Xattrs.namespace("plain"));
      assertError(FsError.NOT_SUPPORTED, () -> Xattrs.namespace("user."));
    }

    @Test
    void anEmptyOrTooLongName_isERANGE() {
      assertError(FsError.RANGE, () -> Xattrs.namespace(""));
      assertError(FsError.RANGE, () -> Xattrs.namespace("user." + "x".repeat(Xattrs.NAME_MAX)));
    }
  }

  @Test
  void setThenGet_roundTrips_andPublishesTheChange() throws Exception {
    xattrs.set(OWNER, file.id(), "user.k", new byte[] {1, 2}, XattrMode.EITHER);
    assertThat(xattrs.get(OWNER, file.id(), "user.k")).containsExactly(1, 2);
    assertThat(changes).containsExactly("published " + file.id().value(), "touched " + file.id().value());
  }

  @Test
  void aValueOver64KiB_isE2BIG() {
    assertError(FsError.ARG_LIST_TOO_LONG,
        () -> xattrs.set(OWNER, file.id(), "user.k", new byte[Xattrs.VALUE_MAX + 1], XattrMode.EITHER));
  }

  @Test
  void userAttributes_needWritePermission() {
    assertError(FsError.ACCESS_DENIED, () -> xattrs.set(OTHER, file.id(), "user.k", new byte[1], XattrMode.EITHER));
  }

  @Test
  void privilegedAttributes_areRootsOnly_andInvisibleToOthers() throws Exception {
    assertError(FsError.NOT_PERMITTED,
        () -> xattrs.set(OWNER, file.id(), "trusted.k", new byte[1], XattrMode.EITHER));
    xattrs.set(Caller.ROOT, file.id(), "trusted.k", new byte[] {7}, XattrMode.EITHER);
    xattrs.set(OWNER, file.id(), "user.k", new byte[] {8}, XattrMode.EITHER);
    assertThat(xattrs.get(Caller.ROOT, file.id(), "trusted.k")).containsExactly(7);
    assertError(FsError.NO_DATA, () -> xattrs.get(OWNER, file.id(), "trusted.k"));
    assertThat(xattrs.list(OWNER, file.id())).containsExactly("user.k");
    assertThat(xattrs.list(Caller.ROOT, file.id())).containsExactlyInAnyOrder("user.k", "trusted.k");
  }

  @Test
  void aStickyDirectorysUserAttributes_areTheOwnersOnly() throws Exception {
    assertError(FsError.NOT_PERMITTED,
        () -> xattrs.set(OTHER, stickyDir.id(), "user.k", new byte[1], XattrMode.EITHER));
    xattrs.set(OWNER, stickyDir.id(), "user.k", new byte[1], XattrMode.EITHER);
  }

  @Test
  void remove_thenGet_isNoData() throws Exception {
    xattrs.set(OWNER, file.id(), "user.k", new byte[1], XattrMode.EITHER);
    xattrs.remove(OWNER, file.id(), "user.k");
    assertError(FsError.NO_DATA, () -> xattrs.get(OWNER, file.id(), "user.k"));
  }

  @Test
  void theWriteProbeOfAnOpenFile_isAnsweredFromMemoryOnceKnownAbsent() throws Exception {
    open.add(file.id());
    assertError(FsError.NO_DATA, () -> xattrs.get(Caller.ROOT, file.id(), "trusted.k"));
    storeCalls.clear();
    assertError(FsError.NO_DATA, () -> xattrs.get(Caller.ROOT, file.id(), "trusted.k"));
    assertError(FsError.NO_DATA, () -> xattrs.get(OWNER, file.id(), "trusted.k"));
    assertThat(storeCalls).isEmpty();
  }

  @Test
  void unsupportedNames_costNoStoreCall_andStoredOnesAreNeverListed() throws Exception {
    storeCalls.clear();
    assertError(FsError.NOT_SUPPORTED, () -> xattrs.get(Caller.ROOT, file.id(), "security.selinux"));
    assertError(FsError.NOT_SUPPORTED, () -> xattrs.set(Caller.ROOT, file.id(), "security.capability", new byte[1],
        XattrMode.EITHER));
    assertError(FsError.NOT_SUPPORTED, () -> xattrs.remove(Caller.ROOT, file.id(), "system.posix_acl_access"));
    assertThat(storeCalls).isEmpty();
    // as an older version stored them
    store.setXattr(file.id(), "security.selinux", new byte[] {1}, XattrMode.EITHER, java.time.Instant.now());
    store.setXattr(file.id(), "trusted.k", new byte[] {1}, XattrMode.EITHER, java.time.Instant.now());
    assertThat(xattrs.list(Caller.ROOT, file.id())).containsExactly("trusted.k");
  }

  @Test
  void aSetThroughThisHost_endsTheAbsentMemory() throws Exception {
    open.add(file.id());
    assertError(FsError.NO_DATA, () -> xattrs.get(Caller.ROOT, file.id(), "trusted.k"));
    xattrs.set(Caller.ROOT, file.id(), "trusted.k", new byte[] {3}, XattrMode.EITHER);
    assertThat(xattrs.get(Caller.ROOT, file.id(), "trusted.k")).containsExactly(3);
  }

  @Test
  void aMissingInode_isENOENT_forEveryCaller() {
    InodeId missing = InodeId.of(999_999);
    assertError(FsError.NOT_FOUND, () -> xattrs.get(OWNER, missing, "trusted.k"));
    assertError(FsError.NOT_FOUND, () -> xattrs.get(Caller.ROOT, missing, "trusted.k"));
    assertError(FsError.NOT_FOUND, () -> xattrs.list(OWNER, missing));
  }
}
