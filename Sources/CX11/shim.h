#ifndef PSREC_CX11_SHIM_H
#define PSREC_CX11_SHIM_H
/* Xlib with the extensions psrec record-screen uses: MIT-SHM (XShmGetImage), DAMAGE,
   XFIXES (damage regions) and XInput2 (raw input events). Xlib's macros (ConnectionNumber,
   XISetMask, XDestroyImage) and its XEvent union stay on this side: Swift sees small
   functions and plain structs. */
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/XKBlib.h>
#include <X11/extensions/XShm.h>
#include <X11/extensions/Xdamage.h>
#include <X11/extensions/Xfixes.h>
#include <X11/extensions/XInput2.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <string.h>

/* Xlib's default error handler exits the process, which would leave a recording without its
   trailer; a failed request is noticed from its return value instead. */
static int psrec_x_error_ignored(Display *d, XErrorEvent *e) { (void)d; (void)e; return 0; }
static inline void psrec_x_quiet_errors(void) { XSetErrorHandler(psrec_x_error_ignored); }

static inline int psrec_x_fd(Display *d) { return ConnectionNumber(d); }
static inline int psrec_x_width(Display *d) { return DisplayWidth(d, DefaultScreen(d)); }
static inline int psrec_x_height(Display *d) { return DisplayHeight(d, DefaultScreen(d)); }

/* A shared-memory image of the whole root window. */
typedef struct {
    XImage *image;
    XShmSegmentInfo info;
} psrec_shm_image;

static inline int psrec_shm_create(Display *d, psrec_shm_image *s) {
    int screen = DefaultScreen(d);
    memset(s, 0, sizeof *s);
    if (!XShmQueryExtension(d)) return 0;
    s->image = XShmCreateImage(d, DefaultVisual(d, screen), DefaultDepth(d, screen), ZPixmap, NULL, &s->info,
                               DisplayWidth(d, screen), DisplayHeight(d, screen));
    if (!s->image) return 0;
    s->info.shmid = shmget(IPC_PRIVATE, (size_t)s->image->bytes_per_line * s->image->height, IPC_CREAT | 0600);
    if (s->info.shmid < 0) { XDestroyImage(s->image); s->image = NULL; return 0; }
    s->info.shmaddr = s->image->data = shmat(s->info.shmid, NULL, 0);
    s->info.readOnly = False;
    if (s->info.shmaddr == (char *)-1 || !XShmAttach(d, &s->info)) {
        shmctl(s->info.shmid, IPC_RMID, NULL);
        s->image->data = NULL;
        XDestroyImage(s->image);
        s->image = NULL;
        return 0;
    }
    XSync(d, False);
    /* Removed once both sides detach, so a crash leaves no segment behind. */
    shmctl(s->info.shmid, IPC_RMID, NULL);
    return 1;
}

static inline int psrec_shm_grab(Display *d, psrec_shm_image *s) {
    return XShmGetImage(d, DefaultRootWindow(d), s->image, 0, 0, AllPlanes);
}

static inline void psrec_shm_destroy(Display *d, psrec_shm_image *s) {
    if (!s->image) return;
    XShmDetach(d, &s->info);
    XSync(d, False);
    shmdt(s->info.shmaddr);
    s->image->data = NULL;
    XDestroyImage(s->image);
    s->image = NULL;
}

static inline const unsigned char *psrec_shm_pixels(const psrec_shm_image *s) { return (const unsigned char *)s->image->data; }
static inline int psrec_shm_bytes_per_line(const psrec_shm_image *s) { return s->image->bytes_per_line; }
static inline int psrec_shm_bits_per_pixel(const psrec_shm_image *s) { return s->image->bits_per_pixel; }
static inline unsigned long psrec_shm_red_mask(const psrec_shm_image *s) { return s->image->red_mask; }
static inline int psrec_shm_lsb_first(const psrec_shm_image *s) { return s->image->byte_order == LSBFirst; }

/* DAMAGE on the root window, reported once per transition to non-empty. */
static inline int psrec_damage_create(Display *d, int *event_base, Damage *damage) {
    int error_base, major = 5, minor = 0;
    if (!XDamageQueryExtension(d, event_base, &error_base)) return 0;
    if (!XFixesQueryExtension(d, &error_base, &error_base)) return 0;
    XFixesQueryVersion(d, &major, &minor);
    major = 1; minor = 1;
    XDamageQueryVersion(d, &major, &minor);
    *damage = XDamageCreate(d, DefaultRootWindow(d), XDamageReportNonEmpty);
    return 1;
}

/* Takes the damaged region (leaving it empty) and copies up to max rectangles. Returns the
   number of rectangles in the region, which may exceed max. */
static inline int psrec_damage_take(Display *d, Damage damage, XRectangle *out, int max) {
    XserverRegion region = XFixesCreateRegion(d, NULL, 0);
    XDamageSubtract(d, damage, None, region);
    int n = 0;
    XRectangle *rects = XFixesFetchRegion(d, region, &n);
    for (int i = 0; i < n && i < max; i++) out[i] = rects[i];
    if (rects) XFree(rects);
    XFixesDestroyRegion(d, region);
    return n;
}

/* XInput 2.2 raw key and button events on the root window: delivered whatever grabs other
   clients (such as an RDP client) hold. */
static inline int psrec_xi_select_raw(Display *d, int *opcode) {
    int event, error, major = 2, minor = 2;
    if (!XQueryExtension(d, "XInputExtension", opcode, &event, &error)) return 0;
    if (XIQueryVersion(d, &major, &minor) != Success) return 0;
    unsigned char bits[XIMaskLen(XI_LASTEVENT)];
    memset(bits, 0, sizeof bits);
    XISetMask(bits, XI_RawKeyPress);
    XISetMask(bits, XI_RawKeyRelease);
    XISetMask(bits, XI_RawButtonPress);
    XISetMask(bits, XI_RawButtonRelease);
    XIEventMask mask = { XIAllMasterDevices, (int)sizeof bits, bits };
    XISelectEvents(d, DefaultRootWindow(d), &mask, 1);
    XFlush(d);
    return 1;
}

enum {
    PSREC_EVENT_NONE = 0, PSREC_EVENT_DAMAGE = 1, PSREC_EVENT_BUTTON_PRESS = 2, PSREC_EVENT_BUTTON_RELEASE = 3,
    PSREC_EVENT_KEY_PRESS = 4, PSREC_EVENT_KEY_RELEASE = 5, PSREC_EVENT_OTHER = 6
};

/* The next queued event, without blocking: its kind and, for input, the button or keycode. */
static inline int psrec_next_event(Display *d, int damage_event_base, int xi_opcode, int *detail) {
    if (XPending(d) == 0) return PSREC_EVENT_NONE;
    XEvent ev;
    XNextEvent(d, &ev);
    if (ev.type == damage_event_base + XDamageNotify) return PSREC_EVENT_DAMAGE;
    if (ev.type != GenericEvent || ev.xcookie.extension != xi_opcode) return PSREC_EVENT_OTHER;
    if (!XGetEventData(d, &ev.xcookie)) return PSREC_EVENT_OTHER;
    int kind = PSREC_EVENT_OTHER;
    XIRawEvent *raw = (XIRawEvent *)ev.xcookie.data;
    switch (ev.xcookie.evtype) {
    case XI_RawButtonPress: kind = PSREC_EVENT_BUTTON_PRESS; break;
    case XI_RawButtonRelease: kind = PSREC_EVENT_BUTTON_RELEASE; break;
    case XI_RawKeyPress: kind = PSREC_EVENT_KEY_PRESS; break;
    case XI_RawKeyRelease: kind = PSREC_EVENT_KEY_RELEASE; break;
    }
    *detail = raw->detail;
    XFreeEventData(d, &ev.xcookie);
    return kind;
}

static inline unsigned long psrec_keysym(Display *d, int keycode, int shifted) {
    return XkbKeycodeToKeysym(d, (KeyCode)keycode, 0, shifted ? 1 : 0);
}

static inline int psrec_pointer(Display *d, int *x, int *y) {
    Window root, child;
    int wx, wy;
    unsigned int mask;
    return XQueryPointer(d, DefaultRootWindow(d), &root, &child, x, y, &wx, &wy, &mask);
}
#endif
