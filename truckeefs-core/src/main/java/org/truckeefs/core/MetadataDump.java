package org.truckeefs.core;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.truckeefs.api.DirEntry;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;
import org.truckeefs.api.XattrMode;
import org.truckeefs.spi.AttrUpdate;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.ChunkRef;
import org.truckeefs.spi.ContentCommit;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.NewInode;

/**
 * A JSON dump of a whole {@link MetadataStore}, written and read through the SPI only, and its restore into an
 * empty store. Both directions stream (Jackson's generator and parser), so memory stays bounded by the directory
 * depth, one readdir page per level and the set of hard-linked inodes — not by the size of the filesystem.
 *
 * <p>The dump is the tree from the root: each node carries its attributes, then its symlink target, xattrs, chunk
 * map (blob references) and, for a directory, its entries. A non-directory with several links is written in full
 * at its first name; its other names refer to it by inode id. Orphans (link count 0) are not reachable and not
 * dumped. The dump contains blob references, which for Tahoe are capabilities: treat it as a secret.
 *
 * <p>A restore creates new inode ids (and versions start over); names, types, modes, owners, times, xattrs,
 * symlink targets, hard links and chunk maps are the same, and blob reference counts follow from the chunk maps.
 */
public final class MetadataDump {
  static final String FORMAT = "truckeefs-metadata-dump";
  static final int VERSION = 1;
  private static final int PAGE = 1000;
  private static final int COMMIT_BATCH = 1024;
  private static final JsonFactory JSON = JsonFactory.builder().build();

  /** Reports the number of inodes dumped or restored so far; called often, so keep it cheap. */
  @FunctionalInterface
  public interface Progress {
    Progress NONE = inodes -> {};

    void inodes(long done);
  }

  private MetadataDump() {}

  /**
   * Writes the dump of {@code meta} to {@code out} (not closed). The caller keeps the store from changing meanwhile
   * ({@link RiverFS#dumpMetadata} does); the dump is only as consistent as that.
   *
   * @return the number of inodes written
   */
  public static long write(MetadataStore meta, OutputStream out, Progress progress) throws FsException {
    try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
      g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
      Writer w = new Writer(meta, g, progress == null ? Progress.NONE : progress);
      g.writeStartObject();
      g.writeStringField("format", FORMAT);
      g.writeNumberField("version", VERSION);
      g.writeFieldName("root");
      w.node(meta.getAttributes(InodeId.ROOT));
      g.writeNumberField("inodes", w.count);
      g.writeEndObject();
      g.flush();
      return w.count;
    } catch (FsException e) {
      throw e;
    } catch (IOException e) {
      throw new FsException(FsError.IO, "cannot write the metadata dump: " + e.getMessage(), e);
    }
  }

  /**
   * Rebuilds the dumped tree in {@code target}, which must be empty (no entries under the root, no orphans).
   *
   * @return the number of inodes restored
   */
  public static long restore(InputStream in, MetadataStore target, Progress progress) throws FsException {
    try (JsonParser p = JSON.createParser(in)) {
      p.disable(JsonParser.Feature.AUTO_CLOSE_SOURCE);
      Reader r = new Reader(target, p, progress == null ? Progress.NONE : progress);
      expect(p.nextToken(), JsonToken.START_OBJECT, p);
      boolean sawFormat = false;
      boolean sawRoot = false;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        switch (field) {
          case "format" -> {
            if (!FORMAT.equals(p.getText())) {
              throw bad("not a TruckeeFS metadata dump", p);
            }
            sawFormat = true;
          }
          case "version" -> {
            if (p.getIntValue() != VERSION) {
              throw bad("unsupported dump version " + p.getText() + " (this build reads " + VERSION + ")", p);
            }
          }
          case "root" -> {
            if (!sawFormat) {
              throw bad("the dump does not start with its format", p);
            }
            expect(value, JsonToken.START_OBJECT, p);
            r.node(null, null);
            sawRoot = true;
          }
          default -> p.skipChildren();
        }
      }
      if (!sawRoot) {
        throw bad("the dump has no root", p);
      }
      r.fixHardLinkTimes();
      return r.count;
    } catch (FsException e) {
      throw e;
    } catch (IOException e) {
      throw new FsException(FsError.IO, "cannot read the metadata dump: " + e.getMessage(), e);
    }
  }

  // ---- writing

  private static final class Writer {
    final MetadataStore meta;
    final JsonGenerator g;
    final Progress progress;
    final Set<InodeId> multiplyLinked = new HashSet<>();
    long count;

    Writer(MetadataStore meta, JsonGenerator g, Progress progress) {
      this.meta = meta;
      this.g = g;
      this.progress = progress;
    }

    void node(InodeAttributes a) throws IOException, FsException {
      g.writeStartObject();
      g.writeNumberField("id", a.id().value());
      g.writeStringField("type", a.type().name());
      g.writeNumberField("mode", a.mode());
      g.writeNumberField("uid", a.uid());
      g.writeNumberField("gid", a.gid());
      g.writeNumberField("size", a.size());
      g.writeNumberField("nlink", a.nlink());
      g.writeNumberField("rdev", a.rdev());
      g.writeStringField("atime", a.atime().toString());
      g.writeStringField("mtime", a.mtime().toString());
      g.writeStringField("ctime", a.ctime().toString());
      g.writeStringField("crtime", a.crtime().toString());
      if (a.isSymlink()) {
        g.writeStringField("target", meta.readSymlink(a.id()));
      }
      List<String> xattrs = meta.listXattr(a.id());
      if (!xattrs.isEmpty()) {
        g.writeArrayFieldStart("xattrs");
        for (String x : xattrs) {
          Optional<byte[]> v = meta.getXattr(a.id(), x);
          if (v.isPresent()) {
            g.writeStartObject();
            g.writeStringField("name", x);
            g.writeStringField("value", Base64.getEncoder().encodeToString(v.get()));
            g.writeEndObject();
          }
        }
        g.writeEndArray();
      }
      if (a.isFile()) {
        g.writeArrayFieldStart("chunks");
        for (ChunkRef c : meta.chunks(a.id())) {
          g.writeStartObject();
          g.writeNumberField("index", c.index());
          g.writeStringField("blob", c.blob().value());
          g.writeNumberField("length", c.length());
          g.writeEndObject();
        }
        g.writeEndArray();
      }
      count++;
      progress.inodes(count);
      if (a.isDirectory()) {
        g.writeArrayFieldStart("entries");
        long after = 0;
        while (true) {
          List<DirEntry> page = meta.readDir(a.id(), after, PAGE);
          for (DirEntry e : page) {
            g.writeStartObject();
            writeName(e.name());
            InodeAttributes child = meta.getAttributes(e.inode());
            if (!child.isDirectory() && child.nlink() > 1 && !multiplyLinked.add(child.id())) {
              g.writeNumberField("link", child.id().value());
            } else {
              g.writeFieldName("node");
              node(child);
            }
            g.writeEndObject();
            after = e.cookie();
          }
          if (page.size() < PAGE) {
            break;
          }
        }
        g.writeEndArray();
      }
      g.writeEndObject();
    }

    /** Names are bytes; most are UTF-8 and stay readable, the others go as base64. */
    void writeName(Name name) throws IOException {
      byte[] raw = name.bytes();
      String s = new String(raw, StandardCharsets.UTF_8);
      if (Arrays.equals(s.getBytes(StandardCharsets.UTF_8), raw)) {
        g.writeStringField("name", s);
      } else {
        g.writeStringField("name64", Base64.getEncoder().encodeToString(raw));
      }
    }
  }

  // ---- reading

  /** A restored inode with several names: link() changes its ctime, so its times are written again at the end. */
  private record HardLinked(InodeId id, Instant atime, Instant mtime, Instant ctime) {}

  private static final class Reader {
    final MetadataStore meta;
    final JsonParser p;
    final Progress progress;
    final Map<Long, HardLinked> multiplyLinked = new HashMap<>();
    long count;

    Reader(MetadataStore meta, JsonParser p, Progress progress) {
      this.meta = meta;
      this.p = p;
      this.progress = progress;
    }

    /** The parser is on the node's START_OBJECT; {@code parent} is null for the root. */
    void node(InodeId parent, Name name) throws IOException, FsException {
      Node n = new Node();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        switch (field) {
          case "id" -> n.oldId = p.getLongValue();
          case "type" -> n.type = type(p.getText());
          case "mode" -> n.mode = p.getIntValue();
          case "uid" -> n.uid = p.getIntValue();
          case "gid" -> n.gid = p.getIntValue();
          case "size" -> n.size = p.getLongValue();
          case "nlink" -> n.nlink = p.getLongValue();
          case "rdev" -> n.rdev = p.getLongValue();
          case "atime" -> n.atime = instant(p.getText());
          case "mtime" -> n.mtime = instant(p.getText());
          case "ctime" -> n.ctime = instant(p.getText());
          case "crtime" -> n.crtime = instant(p.getText());
          case "target" -> n.target = p.getText();
          case "xattrs" -> {
            ensureCreated(n, parent, name);
            expect(p.currentToken(), JsonToken.START_ARRAY, p);
            while (p.nextToken() == JsonToken.START_OBJECT) {
              String xname = null;
              byte[] value = null;
              while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                p.nextToken();
                if (f.equals("name")) {
                  xname = p.getText();
                } else if (f.equals("value")) {
                  value = Base64.getDecoder().decode(p.getText());
                } else {
                  p.skipChildren();
                }
              }
              if (xname == null || value == null) {
                throw bad("an xattr without name or value", p);
              }
              meta.setXattr(n.newId, xname, value, XattrMode.EITHER, n.ctime);
            }
          }
          case "chunks" -> {
            ensureCreated(n, parent, name);
            expect(p.currentToken(), JsonToken.START_ARRAY, p);
            List<ChunkRef> batch = new ArrayList<>();
            while (p.nextToken() == JsonToken.START_OBJECT) {
              long index = -1;
              String blob = null;
              long length = -1;
              while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                p.nextToken();
                switch (f) {
                  case "index" -> index = p.getLongValue();
                  case "blob" -> blob = p.getText();
                  case "length" -> length = p.getLongValue();
                  default -> p.skipChildren();
                }
              }
              if (index < 0 || blob == null || length < 0) {
                throw bad("a chunk without index, blob or length", p);
              }
              batch.add(new ChunkRef(index, BlobRef.of(blob), length));
              if (batch.size() == COMMIT_BATCH) {
                commit(n, batch);
                batch.clear();
              }
            }
            if (!batch.isEmpty()) {
              commit(n, batch);
            }
          }
          case "entries" -> {
            ensureCreated(n, parent, name);
            expect(p.currentToken(), JsonToken.START_ARRAY, p);
            while (p.nextToken() == JsonToken.START_OBJECT) {
              entry(n);
            }
          }
          default -> p.skipChildren();
        }
      }
      ensureCreated(n, parent, name);
      if (n.type == InodeType.FILE && n.version == n.createdVersion && n.size != 0) {
        commit(n, List.of()); // a file that is one hole
      }
      meta.setAttributes(n.newId, new AttrUpdate(n.mode, n.uid, n.gid, n.atime, n.mtime, n.ctime));
      if (n.type != InodeType.DIRECTORY && n.nlink > 1) {
        multiplyLinked.put(n.oldId, new HardLinked(n.newId, n.atime, n.mtime, n.ctime));
      }
    }

    /** The parser is on an entry's START_OBJECT. */
    private void entry(Node dir) throws IOException, FsException {
      Name name = null;
      boolean done = false;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String f = p.currentName();
        p.nextToken();
        switch (f) {
          case "name" -> name = Name.of(p.getText());
          case "name64" -> name = Name.of(Base64.getDecoder().decode(p.getText()));
          case "node" -> {
            if (name == null) {
              throw bad("an entry's node before its name", p);
            }
            node(dir.newId, name);
            done = true;
          }
          case "link" -> {
            HardLinked target = multiplyLinked.get(p.getLongValue());
            if (name == null || target == null) {
              throw bad("a link to an inode not restored before it", p);
            }
            meta.link(target.id(), dir.newId, name, target.ctime());
            done = true;
          }
          default -> p.skipChildren();
        }
      }
      if (!done) {
        throw bad("an entry without node or link", p);
      }
    }

    private void commit(Node n, List<ChunkRef> chunks) throws FsException {
      InodeAttributes a = meta.commitContent(
          new ContentCommit(n.newId, n.version, n.size, chunks, Long.MAX_VALUE, n.mtime, 0)).attributes();
      n.version = a.version();
    }

    private void ensureCreated(Node n, InodeId parent, Name name) throws FsException {
      if (n.newId != null) {
        return;
      }
      if (n.type == null || n.crtime == null || n.atime == null || n.mtime == null || n.ctime == null) {
        throw bad("a node whose attributes do not come first", p);
      }
      InodeAttributes a;
      if (parent == null) {
        if (n.type != InodeType.DIRECTORY) {
          throw bad("the root is not a directory", p);
        }
        a = meta.initRoot(new NewInode(InodeType.DIRECTORY, n.mode, n.uid, n.gid, 0, n.crtime, null));
        if (!meta.readDir(InodeId.ROOT, 0, 1).isEmpty() || !meta.orphans().isEmpty()) {
          throw new FsException(FsError.EXISTS,
              "the target metadata store is not empty; restore needs a new, empty store");
        }
      } else {
        a = meta.create(parent, name, new NewInode(n.type, n.mode, n.uid, n.gid, n.rdev, n.crtime,
            n.type == InodeType.SYMLINK ? (n.target == null ? "" : n.target) : null));
      }
      n.newId = a.id();
      n.version = a.version();
      n.createdVersion = a.version();
      count++;
      progress.inodes(count);
    }

    void fixHardLinkTimes() throws FsException {
      for (HardLinked h : multiplyLinked.values()) {
        meta.setAttributes(h.id(), new AttrUpdate(null, null, null, h.atime(), h.mtime(), h.ctime()));
      }
    }

    private static InodeType type(String s) throws FsException {
      try {
        return InodeType.valueOf(s);
      } catch (IllegalArgumentException e) {
        throw new FsException(FsError.INVALID, "the dump has an unknown inode type " + s);
      }
    }

    private static Instant instant(String s) throws FsException {
      try {
        return Instant.parse(s);
      } catch (RuntimeException e) {
        throw new FsException(FsError.INVALID, "the dump has a malformed time " + s);
      }
    }
  }

  /** What the reader has seen of one node so far. */
  private static final class Node {
    long oldId;
    InodeType type;
    int mode;
    int uid;
    int gid;
    long size;
    long nlink = 1;
    long rdev;
    Instant atime;
    Instant mtime;
    Instant ctime;
    Instant crtime;
    String target;
    InodeId newId;
    long version;
    long createdVersion;
  }

  private static void expect(JsonToken actual, JsonToken wanted, JsonParser p) throws FsException {
    if (actual != wanted) {
      throw bad("expected " + wanted + " but found " + actual, p);
    }
  }

  private static FsException bad(String what, JsonParser p) {
    return new FsException(FsError.INVALID, "malformed metadata dump at line "
        + p.currentLocation().getLineNr() + ": " + what);
  }
}
