package org.truckeefs.cli;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.truckeefs.api.DirEntry;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.spi.MetadataStore;

/** Every directory entry reachable from the root, breadth first (parents before children), page by page. */
final class TreeWalk {
  private static final int PAGE = 512;

  interface Visitor {
    void entry(DirEntry e) throws FsException;
  }

  private TreeWalk() {}

  static void walk(MetadataStore meta, Visitor visitor) throws FsException {
    Deque<InodeId> dirs = new ArrayDeque<>();
    dirs.add(InodeId.ROOT);
    while (!dirs.isEmpty()) {
      InodeId dir = dirs.poll();
      long cookie = 0;
      while (true) {
        List<DirEntry> page = meta.readDir(dir, cookie, PAGE);
        for (DirEntry e : page) {
          visitor.entry(e);
          if (e.type() == InodeType.DIRECTORY) {
            dirs.add(e.inode());
          }
          cookie = e.cookie();
        }
        if (page.size() < PAGE) {
          break;
        }
      }
    }
  }
}
