/* Prints the layouts the FFM bindings hard-code, as name=value lines; LayoutTest compares them with LibFuse3. */
#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <fcntl.h>

#define P(name, value) printf("%s=%ld\n", name, (long) (value))

int main(void) {
  P("stat.size", sizeof(struct stat));
  P("stat.st_dev", offsetof(struct stat, st_dev));
  P("stat.st_ino", offsetof(struct stat, st_ino));
  P("stat.st_nlink", offsetof(struct stat, st_nlink));
  P("stat.st_mode", offsetof(struct stat, st_mode));
  P("stat.st_uid", offsetof(struct stat, st_uid));
  P("stat.st_gid", offsetof(struct stat, st_gid));
  P("stat.st_rdev", offsetof(struct stat, st_rdev));
  P("stat.st_size", offsetof(struct stat, st_size));
  P("stat.st_blksize", offsetof(struct stat, st_blksize));
  P("stat.st_blocks", offsetof(struct stat, st_blocks));
  P("stat.st_atim", offsetof(struct stat, st_atim));
  P("stat.st_mtim", offsetof(struct stat, st_mtim));
  P("stat.st_ctim", offsetof(struct stat, st_ctim));
  P("entry.size", sizeof(struct fuse_entry_param));
  P("entry.ino", offsetof(struct fuse_entry_param, ino));
  P("entry.generation", offsetof(struct fuse_entry_param, generation));
  P("entry.attr", offsetof(struct fuse_entry_param, attr));
  P("entry.attr_timeout", offsetof(struct fuse_entry_param, attr_timeout));
  P("entry.entry_timeout", offsetof(struct fuse_entry_param, entry_timeout));
  P("fi.size", sizeof(struct fuse_file_info));
  P("fi.flags", offsetof(struct fuse_file_info, flags));
  P("fi.fh", offsetof(struct fuse_file_info, fh));
  P("fi.lock_owner", offsetof(struct fuse_file_info, lock_owner));
  {
    /* The bit fields: set each alone and print the 32-bit word after flags in which it lands. */
    struct fuse_file_info fi;
    unsigned int w;
#define BIT(field) memset(&fi, 0, sizeof fi); fi.field = 1; memcpy(&w, (char *) &fi + 4, 4); P("fi.bit." #field, w)
    BIT(writepage); BIT(direct_io); BIT(keep_cache); BIT(flush); BIT(nonseekable); BIT(flock_release);
    BIT(cache_readdir); BIT(noflush);
  }
  P("ctx.size", sizeof(struct fuse_ctx));
  P("ctx.uid", offsetof(struct fuse_ctx, uid));
  P("ctx.gid", offsetof(struct fuse_ctx, gid));
  P("ctx.pid", offsetof(struct fuse_ctx, pid));
  P("ctx.umask", offsetof(struct fuse_ctx, umask));
  P("conn.size", sizeof(struct fuse_conn_info));
  P("conn.max_write", offsetof(struct fuse_conn_info, max_write));
  P("conn.max_readahead", offsetof(struct fuse_conn_info, max_readahead));
  P("conn.capable", offsetof(struct fuse_conn_info, capable));
  P("conn.want", offsetof(struct fuse_conn_info, want));
  P("conn.max_background", offsetof(struct fuse_conn_info, max_background));
  P("conn.time_gran", offsetof(struct fuse_conn_info, time_gran));
  P("ops.size", sizeof(struct fuse_lowlevel_ops));
  P("ops.lookup", offsetof(struct fuse_lowlevel_ops, lookup));
  P("ops.forget_multi", offsetof(struct fuse_lowlevel_ops, forget_multi));
  P("ops.readdirplus", offsetof(struct fuse_lowlevel_ops, readdirplus));
  P("ops.lseek", offsetof(struct fuse_lowlevel_ops, lseek));
  P("forget.size", sizeof(struct fuse_forget_data));
  P("args.size", sizeof(struct fuse_args));
  P("args.argv", offsetof(struct fuse_args, argv));
  P("flock.size", sizeof(struct flock));
  P("flock.l_type", offsetof(struct flock, l_type));
  P("flock.l_whence", offsetof(struct flock, l_whence));
  P("flock.l_start", offsetof(struct flock, l_start));
  P("flock.l_len", offsetof(struct flock, l_len));
  P("flock.l_pid", offsetof(struct flock, l_pid));
  P("statvfs.size", sizeof(struct statvfs));
  P("statvfs.f_bsize", offsetof(struct statvfs, f_bsize));
  P("statvfs.f_frsize", offsetof(struct statvfs, f_frsize));
  P("statvfs.f_blocks", offsetof(struct statvfs, f_blocks));
  P("statvfs.f_bfree", offsetof(struct statvfs, f_bfree));
  P("statvfs.f_bavail", offsetof(struct statvfs, f_bavail));
  P("statvfs.f_files", offsetof(struct statvfs, f_files));
  P("statvfs.f_ffree", offsetof(struct statvfs, f_ffree));
  P("statvfs.f_favail", offsetof(struct statvfs, f_favail));
  P("statvfs.f_namemax", offsetof(struct statvfs, f_namemax));
  P("cap.WRITEBACK_CACHE", FUSE_CAP_WRITEBACK_CACHE);
  P("cap.READDIRPLUS", FUSE_CAP_READDIRPLUS);
  P("cap.READDIRPLUS_AUTO", FUSE_CAP_READDIRPLUS_AUTO);
  P("cap.POSIX_LOCKS", FUSE_CAP_POSIX_LOCKS);
  P("cap.FLOCK_LOCKS", FUSE_CAP_FLOCK_LOCKS);
  P("cap.HANDLE_KILLPRIV", FUSE_CAP_HANDLE_KILLPRIV);
  P("cap.ASYNC_DIO", FUSE_CAP_ASYNC_DIO);
  P("cap.PARALLEL_DIROPS", FUSE_CAP_PARALLEL_DIROPS);
  P("cap.EXPLICIT_INVAL_DATA", FUSE_CAP_EXPLICIT_INVAL_DATA);
  P("cap.AUTO_INVAL_DATA", FUSE_CAP_AUTO_INVAL_DATA);
  P("cap.SPLICE_READ", FUSE_CAP_SPLICE_READ);
  return 0;
}
