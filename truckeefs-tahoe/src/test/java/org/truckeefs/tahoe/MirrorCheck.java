package org.truckeefs.tahoe;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.truckeefs.api.DirEntry;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.spi.ChunkRef;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.testkit.tahoe.EmulatedEntry;
import org.truckeefs.testkit.tahoe.TahoeGatewayEmulator;

/**
 * The namespace as the MIRROR strategy must show it under rootcap (directories and regular files with their bytes;
 * symlinks and special files are not mirrored), from the metadata, and what the emulator really holds there.
 */
final class MirrorCheck {
  private MirrorCheck() {}

  /** Path → "dir" or the file's size and digest, from the metadata and the chunks' bytes on the grid. */
  static Map<String, String> expected(MetadataStore meta, TahoeGatewayEmulator gw, long chunkSize) throws Exception {
    Map<String, String> out = new TreeMap<>();
    walkMeta(meta, gw, chunkSize, InodeId.ROOT, "", out);
    return out;
  }

  private static void walkMeta(MetadataStore meta, TahoeGatewayEmulator gw, long chunkSize, InodeId dir, String path,
      Map<String, String> out) throws Exception {
    long after = 0;
    while (true) {
      List<DirEntry> page = meta.readDir(dir, after, 500);
      for (DirEntry e : page) {
        after = e.cookie();
        // Tahoe holds names NFC-normalized (tahoe-webapi.md 2.6): that is the mirror's contract.
        String p = path + "/" + java.text.Normalizer.normalize(new String(e.name().bytes(), StandardCharsets.UTF_8),
            java.text.Normalizer.Form.NFC);
        InodeAttributes a = meta.getAttributes(e.inode());
        if (a.isDirectory()) {
          out.put(p, "dir");
          walkMeta(meta, gw, chunkSize, e.inode(), p, out);
        } else if (a.isFile()) {
          byte[] data = new byte[Math.toIntExact(a.size())];
          for (ChunkRef c : meta.chunks(e.inode())) {
            byte[] chunk = gw.contents(c.blob().value()).orElseThrow();
            long start = c.index() * chunkSize;
            int n = (int) Math.max(0, Math.min(c.length(), data.length - start));
            System.arraycopy(chunk, 0, data, (int) start, n);
          }
          out.put(p, describe(data));
        }
      }
      if (page.size() < 500) {
        return;
      }
    }
  }

  /** The same description of what is linked under rootcap in the emulator (the backups directory left out). */
  static Map<String, String> actual(TahoeGatewayEmulator gw, String rootcap) {
    Map<String, String> out = new TreeMap<>();
    walkGrid(gw, rootcap, "", out);
    return out;
  }

  private static void walkGrid(TahoeGatewayEmulator gw, String dircap, String path, Map<String, String> out) {
    for (EmulatedEntry e : gw.list(dircap).orElseThrow().values()) {
      if (path.isEmpty() && e.name().equals(".truckeefs")) {
        continue;
      }
      String p = path + "/" + e.name();
      if (e.directory()) {
        out.put(p, "dir");
        walkGrid(gw, e.cap(), p, out);
      } else {
        out.put(p, describe(gw.contents(e.cap()).orElseThrow()));
      }
    }
  }

  private static String describe(byte[] data) {
    try {
      return data.length + " bytes sha256 "
          + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data), 0, 8);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
