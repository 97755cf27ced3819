package org.truckeefs.fuse;

import jnr.ffi.Struct;
import ru.serce.jnrfuse.struct.FuseFileInfo;

/**
 * Writes the bit fields of libfuse 2.9's {@code struct fuse_file_info} that jnr-fuse declares as padding.
 * Layout (x86-64, 40 bytes): int flags @0, unsigned long fh_old @8, int writepage @16, then one 32-bit word of
 * bit fields @20 (bit 0 direct_io, bit 1 keep_cache, bit 2 flush, ...), uint64 fh @24, uint64 lock_owner @32.
 */
final class FileInfoFlags {
  static final int BITS_OFFSET = 20;
  static final int DIRECT_IO = 1;
  static final int KEEP_CACHE = 1 << 1;

  private FileInfoFlags() {}

  /** Makes the kernel bypass its page cache for this open ({@link DirectWrites}). */
  static void directIo(FuseFileInfo fi) {
    jnr.ffi.Pointer p = Struct.getMemory(fi);
    p.putInt(BITS_OFFSET, p.getInt(BITS_OFFSET) | DIRECT_IO);
  }

  /** Lets the kernel keep its cached pages of the file across this open (content unchanged since). */
  static void keepCache(FuseFileInfo fi) {
    jnr.ffi.Pointer p = Struct.getMemory(fi);
    p.putInt(BITS_OFFSET, p.getInt(BITS_OFFSET) | KEEP_CACHE);
  }
}
