/*
 * idmap-mount: the runner's helper for root-enabled sandboxes (host side, run as host root).
 *
 *   idmap-mount [--rw] [--map-root] <source> <target> <hostFirst> <count> [<diskFirst>]
 *
 * Mounts <source> (a template image layer's directory, on the host's ext4) at <target> read-only,
 * nosuid, nodev, with an idmap: ids diskFirst..diskFirst+count-1 on disk (diskFirst defaults to
 * 0) show as hostFirst.. (the sandbox's uid block). Ids outside that range show as the overflow
 * id (65534) and cannot be written. `--rw` leaves the mount writable: named volumes
 * (src/volumes/volume-mounts.ts) store files under canonical ids (`user` = 1000) and are mounted
 * into each sandbox mapped to that sandbox's own uid(s). `--map-root` also maps id 0 to host 0:
 * gVisor's gofer creates a file as host root and then chowns it to the sandbox user, and a
 * creator with no id in the mount's map gets EOVERFLOW. Inside the sandbox's user namespace, which maps 0 to hostFirst, the template's files
 * are then owned by root again, without copying or chowning the image. util-linux 2.38 (Debian
 * 12) has no CLI for this; mount_setattr(2) with MOUNT_ATTR_IDMAP needs a user namespace fd
 * carrying the map, made here by a child that only waits to be killed.
 * Exit codes: 1 failed (message on stderr), 2 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
static void die(const char *w){fprintf(stderr,"idmap-mount: %s: %s\n",w,strerror(errno));exit(1);}
static int child_fn(void *a){(void)a; pause(); return 0;}
static void write_file(const char *p,const char *s){int fd=open(p,O_WRONLY);if(fd<0)die(p);if(write(fd,s,strlen(s))<0)die(p);close(fd);}
int main(int argc,char**argv){
  int rw=0,map_root=0;
  if(argc>1&&strcmp(argv[1],"--rw")==0){rw=1;argv++;argc--;}
  if(argc>1&&strcmp(argv[1],"--map-root")==0){map_root=1;argv++;argc--;}
  if(argc!=5&&argc!=6){fprintf(stderr,"usage: idmap-mount [--rw] <source> <target> <hostFirst> <count> [<diskFirst>]\n");return 2;}
  const char *diskFirst=argc==6?argv[5]:"0";
  static char stack[65536];
  pid_t pid=clone(child_fn,stack+sizeof stack,CLONE_NEWUSER|SIGCHLD,NULL);
  if(pid<0)die("clone");
  char p[64],m[128];
  snprintf(m,sizeof m,"%s%s %s %s\n",map_root?"0 0 1\n":"",diskFirst,argv[3],argv[4]);
  snprintf(p,sizeof p,"/proc/%d/uid_map",pid);write_file(p,m);
  snprintf(p,sizeof p,"/proc/%d/gid_map",pid);write_file(p,m);
  snprintf(p,sizeof p,"/proc/%d/ns/user",pid);
  int ns=open(p,O_RDONLY|O_CLOEXEC);if(ns<0)die("open ns");
  kill(pid,SIGKILL);waitpid(pid,NULL,0);
  int t=syscall(SYS_open_tree,AT_FDCWD,argv[1],OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC);
  if(t<0)die("open_tree");
  struct mount_attr attr={.attr_set=MOUNT_ATTR_IDMAP|(rw?0:MOUNT_ATTR_RDONLY)|MOUNT_ATTR_NOSUID|MOUNT_ATTR_NODEV,.userns_fd=ns};
  if(syscall(SYS_mount_setattr,t,"",AT_EMPTY_PATH,&attr,sizeof attr)<0)die("mount_setattr");
  if(syscall(SYS_move_mount,t,"",AT_FDCWD,argv[2],MOVE_MOUNT_F_EMPTY_PATH)<0)die("move_mount");
  return 0;
}
