package org.truckeefs.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.truckeefs.api.FsError;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.XattrMode;
import org.truckeefs.spi.AttrUpdate;

/** Changing an inode's attributes and its extended attributes. */
abstract class AttributeContract extends MetadataStoreContract {
  @Nested
  class SetAttributes {
    @Test
    void setAttributes_writesGivenFields_keepsOthers_andKeepsTheVersion() throws Exception {
      InodeAttributes f = touch(work, "f");
      Instant a = later();
      Instant c = later();
      InodeAttributes r = store.setAttributes(f.id(), new AttrUpdate(0600, null, 7, a, null, c));
      assertThat(r.mode()).isEqualTo(0600);
      assertThat(r.uid()).isEqualTo(f.uid());
      assertThat(r.gid()).isEqualTo(7);
      assertThat(r.atime()).isEqualTo(a);
      assertThat(r.mtime()).isEqualTo(f.mtime());
      assertThat(r.ctime()).isEqualTo(c);
      assertThat(r.version()).isEqualTo(f.version());
      assertThat(r.size()).isEqualTo(f.size());
      assertThat(store.getAttributes(f.id())).isEqualTo(r);
      Instant m = later();
      InodeAttributes r2 = store.setAttributes(f.id(), new AttrUpdate(null, 9, null, null, m, null));
      assertThat(r2.uid()).isEqualTo(9);
      assertThat(r2.mode()).isEqualTo(0600);
      assertThat(r2.mtime()).isEqualTo(m);
    }

    @Test
    void setAttributes_setuidBitsAndDirectories() throws Exception {
      InodeId d = mkdir(work, "d").id();
      assertThat(store.setAttributes(d, new AttrUpdate(01777, null, null, null, null, null)).mode()).isEqualTo(01777);
      InodeId f = touch(work, "f").id();
      assertThat(store.setAttributes(f, new AttrUpdate(06755, null, null, null, null, null)).mode()).isEqualTo(06755);
    }

    @Test
    void setAttributes_ofMissingInode_isENOENT() {
      assertError(FsError.NOT_FOUND, () -> store.setAttributes(InodeId.of(Long.MAX_VALUE / 2),
          new AttrUpdate(0600, null, null, null, null, null)));
    }
  }

  @Nested
  class Xattrs {
    @Test
    void setGetListRemove_roundTrip_withBinaryValues() throws Exception {
      InodeId f = touch(work, "f").id();
      byte[] all = new byte[256];
      for (int i = 0; i < 256; i++) {
        all[i] = (byte) i;
      }
      Instant t = later();
      store.setXattr(f, "user.bin", all, XattrMode.EITHER, t);
      store.setXattr(f, "user.empty", new byte[0], XattrMode.CREATE, later());
      store.setXattr(f, "trusted.\u00fc", "v".getBytes(StandardCharsets.UTF_8), XattrMode.EITHER, later());
      assertThat(store.getXattr(f, "user.bin")).hasValueSatisfying(v -> assertThat(v).isEqualTo(all));
      assertThat(store.getXattr(f, "user.empty")).hasValueSatisfying(v -> assertThat(v).isEmpty());
      assertThat(store.getXattr(f, "user.none")).isEmpty();
      assertThat(store.listXattr(f)).containsExactlyInAnyOrder("user.bin", "user.empty", "trusted.\u00fc");
      Instant r = later();
      store.removeXattr(f, "user.bin", r);
      assertThat(store.getXattr(f, "user.bin")).isEmpty();
      assertThat(store.getAttributes(f).ctime()).isEqualTo(r);
      assertThat(store.listXattr(f)).containsExactlyInAnyOrder("user.empty", "trusted.\u00fc");
    }

    @Test
    void setXattr_setsCtime_andReplaces() throws Exception {
      InodeId f = touch(work, "f").id();
      Instant t = later();
      store.setXattr(f, "user.a", new byte[] {1}, XattrMode.EITHER, t);
      assertThat(store.getAttributes(f).ctime()).isEqualTo(t);
      store.setXattr(f, "user.a", new byte[] {2, 3}, XattrMode.REPLACE, later());
      assertThat(store.getXattr(f, "user.a")).hasValueSatisfying(v -> assertThat(v).containsExactly(2, 3));
      store.setXattr(f, "user.a", new byte[] {4}, XattrMode.EITHER, later());
      assertThat(store.getXattr(f, "user.a")).hasValueSatisfying(v -> assertThat(v).containsExactly(4));
    }

    @Test
    void create_ofExisting_isEEXIST_replace_ofMissing_isENODATA_remove_ofMissing_isENODATA() throws Exception {
      InodeId f = touch(work, "f").id();
      store.setXattr(f, "user.a", new byte[] {1}, XattrMode.CREATE, later());
      assertError(FsError.EXISTS, () -> store.setXattr(f, "user.a", new byte[] {2}, XattrMode.CREATE, later()));
      assertError(FsError.NO_DATA, () -> store.setXattr(f, "user.b", new byte[] {2}, XattrMode.REPLACE, later()));
      assertError(FsError.NO_DATA, () -> store.removeXattr(f, "user.b", later()));
      assertThat(store.getXattr(f, "user.a")).hasValueSatisfying(v -> assertThat(v).containsExactly(1));
      assertThat(store.listXattr(f)).containsExactly("user.a");
    }

    @Test
    void xattrNamesAreCaseSensitive_andPerInode() throws Exception {
      InodeId f = touch(work, "f").id();
      InodeId g = touch(work, "g").id();
      store.setXattr(f, "user.a", new byte[] {1}, XattrMode.EITHER, later());
      store.setXattr(f, "user.A", new byte[] {2}, XattrMode.EITHER, later());
      assertThat(store.listXattr(f)).containsExactlyInAnyOrder("user.a", "user.A");
      assertThat(store.listXattr(g)).isEmpty();
      assertThat(store.getXattr(g, "user.a")).isEmpty();
    }

    @Test
    void xattrsOnDirectoriesAndLargeValues() throws Exception {
      byte[] big = new byte[60_000];
      new Random(1).nextBytes(big);
      store.setXattr(work, "user.big", big, XattrMode.EITHER, later());
      assertThat(store.getXattr(work, "user.big")).hasValueSatisfying(v -> assertThat(v).isEqualTo(big));
    }

    @Test
    void xattrsOfMissingInode_areENOENT() {
      InodeId missing = InodeId.of(Long.MAX_VALUE / 2);
      assertError(FsError.NOT_FOUND, () -> store.setXattr(missing, "user.a", new byte[] {1}, XattrMode.EITHER, later()));
      assertError(FsError.NOT_FOUND, () -> store.getXattr(missing, "user.a"));
      assertError(FsError.NOT_FOUND, () -> store.listXattr(missing));
      assertError(FsError.NOT_FOUND, () -> store.removeXattr(missing, "user.a", later()));
    }
  }
}
