package org.truckeefs.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.truckeefs.api.DirEntry;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;
import org.truckeefs.api.XattrMode;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.ChunkRef;
import org.truckeefs.spi.ContentCommit;
import org.truckeefs.spi.JournalEntry;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.NewInode;

/**
 * Builds a tree with files, hard links, symlinks, xattrs, chunks, an orphan and a journal entry, and describes a
 * store's whole content as one string, so a test can compare a store before closing and after reopening.
 */
final class StoreRestartCheck {
  private static final Instant T = Instant.parse("2024-02-03T04:05:06.789012345Z");

  private StoreRestartCheck() {}

  static void buildTree(MetadataStore s) throws FsException {
    s.initRoot(new NewInode(InodeType.DIRECTORY, 0755, 0, 0, 0, T, null));
    InodeId docs = s.create(InodeId.ROOT, Name.of("docs"), new NewInode(InodeType.DIRECTORY, 0750, 1000, 100, 0, T, null)).id();
    InodeId deep = s.create(docs, Name.of("d\u00e9ep"), new NewInode(InodeType.DIRECTORY, 0700, 1000, 100, 0, T, null)).id();
    InodeAttributes file = s.create(docs, Name.of("report.txt"), new NewInode(InodeType.FILE, 0640, 1000, 100, 0, T, null));
    s.commitContent(new ContentCommit(file.id(), file.version(), 9_000_000,
        List.of(new ChunkRef(0, BlobRef.of("URI:CHK:aaa:bbb:3:10:4194304"), 4_194_304),
            new ChunkRef(2, BlobRef.of("URI:CHK:ccc:ddd:3:10:611392"), 611_392)),
        Long.MAX_VALUE, T.plusSeconds(1), 0));
    s.link(file.id(), deep, Name.of("Report.TXT"), T.plusSeconds(2));
    s.create(deep, Name.of("latest"), new NewInode(InodeType.SYMLINK, 0777, 1000, 100, 0, T, "../report.txt"));
    s.setXattr(file.id(), "user.checksum", new byte[] {0, 1, (byte) 0xfe, (byte) 0xff}, XattrMode.CREATE, T);
    s.setXattr(docs, "user.comment", "caf\u00e9".getBytes(java.nio.charset.StandardCharsets.UTF_8), XattrMode.CREATE, T);
    InodeAttributes tmp = s.create(InodeId.ROOT, Name.of("tmp"), new NewInode(InodeType.FILE, 0600, 0, 0, 0, T, null));
    s.unlink(InodeId.ROOT, Name.of("tmp"), false, T.plusSeconds(3));
    s.journalAppend(new JournalEntry(0, tmp.id(), "host-a", 0, new byte[] {42}, T));
    s.create(InodeId.ROOT, Name.of("fifo"), new NewInode(InodeType.FIFO, 0600, 0, 0, 0, T, null));
  }

  /** Every inode reachable from the root (attributes, entries, targets, xattrs, chunks), orphans and journal. */
  static String describe(MetadataStore s) throws FsException {
    StringBuilder out = new StringBuilder();
    describe(s, InodeId.ROOT, "/", out);
    out.append("orphans ").append(s.orphans().size()).append('\n');
    for (JournalEntry j : s.journal("host-a")) {
      out.append("journal ").append(j.inode()).append(' ').append(j.baseVersion()).append(' ')
          .append(java.util.Arrays.toString(j.payload())).append(' ').append(j.created()).append('\n');
    }
    out.append("stats ").append(s.stats()).append('\n');
    return out.toString();
  }

  private static void describe(MetadataStore s, InodeId id, String path, StringBuilder out) throws FsException {
    InodeAttributes a = s.getAttributes(id);
    out.append(path).append(' ').append(a).append('\n');
    if (a.type() == InodeType.SYMLINK) {
      out.append("  -> ").append(s.readSymlink(id)).append('\n');
    }
    Map<String, String> xattrs = new TreeMap<>();
    for (String x : s.listXattr(id)) {
      xattrs.put(x, java.util.Arrays.toString(s.getXattr(id, x).orElseThrow()));
    }
    if (!xattrs.isEmpty()) {
      out.append("  xattrs ").append(xattrs).append('\n');
    }
    if (a.type() == InodeType.FILE) {
      out.append("  chunks ").append(s.chunks(id)).append('\n');
    }
    if (a.type() == InodeType.DIRECTORY) {
      List<DirEntry> entries = new ArrayList<>();
      long cookie = 0;
      for (List<DirEntry> page = s.readDir(id, cookie, 100); !page.isEmpty(); page = s.readDir(id, cookie, 100)) {
        entries.addAll(page);
        cookie = page.get(page.size() - 1).cookie();
      }
      for (DirEntry e : entries) {
        out.append("  entry ").append(e.name()).append(' ').append(e.inode()).append(' ').append(e.cookie()).append('\n');
        describe(s, e.inode(), path + e.name() + "/", out);
      }
    }
  }

  static void assertSameAfterReopen(String before, String after) {
    assertThat(after).isEqualTo(before);
    assertThat(before).contains("Report.TXT").contains("-> ../report.txt").contains("user.checksum")
        .contains("orphans 1").contains("journal ");
  }
}
