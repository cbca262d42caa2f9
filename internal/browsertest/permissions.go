package browsertest

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

const fakeUIFlag = "use-fake-ui-for-media-stream"

// mediaPermissions are granted to every page of a browser started with
// WithPerPagePermissions, except those the page denies.
func mediaPermissions() []string { return []string{"camera", "microphone"} }

// WithPerPagePermissions starts Chromium without the fake media UI, so that
// each page's media permissions come from overrides: NewPage grants
// "camera" and "microphone" unless [DenyPermissions] denies them.
// getDisplayMedia needs the fake UI and never resolves in such a browser,
// so use it only where a page must lack a permission.
func WithPerPagePermissions() Option {
	return WithFlag(fakeUIFlag, false)
}

// fakeUI reports whether the browser grants media requests through the
// fake UI.
func (b *Browser) fakeUI() bool {
	for _, f := range b.cfg.flags {
		if f.name == fakeUIFlag {
			v, isBool := f.value.(bool)
			return !isBool || v
		}
	}
	return false
}

// setPermissions applies a page's permission overrides to its browser
// context.
func (b *Browser) setPermissions(ctx context.Context, deny []string) error {
	if b.fakeUI() {
		if len(deny) > 0 {
			return errors.New("DenyPermissions needs a browser started with browsertest.WithPerPagePermissions()")
		}
		return nil
	}
	id := chromedp.FromContext(ctx).BrowserContextID
	set := func(name string, setting browser.PermissionSetting) error {
		_, err := chromedp.CallBrowser(ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission:       &browser.PermissionDescriptor{Name: name},
			Setting:          setting,
			BrowserContextID: id,
		})
		if err != nil {
			return fmt.Errorf("setting permission %q to %s: %w", name, setting, err)
		}
		return nil
	}
	for _, name := range mediaPermissions() {
		if !slices.Contains(deny, name) {
			if err := set(name, browser.PermissionSettingGranted); err != nil {
				return err
			}
		}
	}
	for _, name := range deny {
		if err := set(name, browser.PermissionSettingDenied); err != nil {
			return err
		}
	}
	return nil
}
