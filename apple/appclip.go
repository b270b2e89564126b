package apple

import "slices"

// appClipActions are the calls to action an App Clip's default experience shows on its card
// (the spec's AppClipAction), in Apple's order.
var appClipActions = []string{"OPEN", "VIEW", "PLAY"}

// AppClipActions returns the App Clip card's actions.
func AppClipActions() []string { return slices.Clone(appClipActions) }

// IsAppClipAction reports whether a is one of them.
func IsAppClipAction(a string) bool { return slices.Contains(appClipActions, a) }
