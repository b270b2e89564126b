package sandbox

import (
	"fmt"
	"time"
)

// Xcode Cloud: a product (the app's CI setup) with workflows on a repository; starting a
// build run (POST /v1/ciBuildRuns for a workflow, or a rebuild) queues it PENDING, after
// BuildProcessingDelay it runs its actions (build, test, archive), and after another it
// completes SUCCEEDED. The demo's first app has Xcode Cloud set up on a GitHub repository,
// with finished runs.

func init() {
	register(&family{
		name: "xcodecloud",
		hooks: []hooks{
			{types: []string{"ciBuildRuns"}, beforeCreate: checkBuildRunStart, afterCreate: queueBuildRun},
		},
		machines:  []*machine{buildRunMachine},
		seed:      seedXcodeCloud,
		seedAfter: []string{"builds", "provisioning"},
	})
}

// buildRunMachine: executionProgress of a build run; its actions follow it.
var buildRunMachine = &machine{
	types: []string{"ciBuildRuns"}, attr: "executionProgress",
	rows: []transition{
		{from: "*", on: "create", to: "PENDING", then: "start", after: buildProcessingDelay},
		{from: "PENDING", on: "start", to: "RUNNING", do: runStarted, then: "finish", after: buildProcessingDelay},
		{from: "RUNNING", on: "finish", to: "COMPLETE", do: runSucceeded},
	},
}

// checkBuildRunStart: a run starts from a workflow that is enabled, or rebuilds a run.
func checkBuildRunStart(s *Server, doc *resourceDoc) *httpError {
	if wf := s.st.get("ciWorkflows", doc.relID("workflow")); wf != nil {
		if on, ok := wf.Attrs["isEnabled"].(bool); ok && !on {
			return stateError(fmt.Sprintf("The workflow %s is disabled; enable it to start a build.", wf.str("name")))
		}
	}
	if doc.relID("workflow") == "" && doc.relID("buildRun") == "" {
		return conflict("ENTITY_ERROR.RELATIONSHIP.REQUIRED", entityTitles["ENTITY_ERROR.RELATIONSHIP.REQUIRED"],
			"A build run starts from a workflow or rebuilds a build run.", "/data/relationships/workflow")
	}
	return nil
}

// queueBuildRun numbers the run after the product's others and, for a rebuild, takes the
// workflow and commit of the run it rebuilds.
func queueBuildRun(s *Server, _ *apiRequest, r *record) *httpError {
	wf := s.st.get("ciWorkflows", r.one("workflow"))
	if prev := s.st.get("ciBuildRuns", r.one("buildRun")); prev != nil {
		wf = s.st.get("ciWorkflows", prev.one("workflow"))
		r.Attrs["sourceCommit"] = cloneValue(prev.Attrs["sourceCommit"])
		r.Attrs["startReason"] = "MANUAL_REBUILD"
		delete(r.Rels, "buildRun")
	} else {
		r.Attrs["startReason"] = "MANUAL"
	}
	r.Attrs["isPullRequestBuild"] = false
	if wf == nil {
		return nil
	}
	if r.one("workflow") == "" {
		s.st.link(r, "workflow", wf)
	}
	if p := s.st.get("ciProducts", wf.one("product")); p != nil {
		r.Attrs["number"] = len(s.st.related(p, "buildRuns")) + 1
		s.st.link(r, "product", p)
	}
	return nil
}

func runStarted(s *Server, run *record) {
	run.Attrs["startedDate"] = s.timestamp(run.Type)
	for _, kind := range []string{"BUILD", "TEST", "ARCHIVE"} {
		a := s.st.insert("ciBuildActions", "", map[string]any{"name": map[string]string{"BUILD": "Build - iOS", "TEST": "Test - iOS", "ARCHIVE": "Archive - iOS"}[kind],
			"actionType": kind, "executionProgress": "RUNNING", "isRequiredToPass": true, "startedDate": s.timestamp("ciBuildActions")})
		s.st.link(a, "buildRun", run)
		s.markDirty(a)
	}
}

// runSucceeded: the run and each of its actions complete, with a warning from the build.
func runSucceeded(s *Server, run *record) {
	now := s.timestamp(run.Type)
	run.Attrs["finishedDate"], run.Attrs["completionStatus"] = now, "SUCCEEDED"
	run.Attrs["issueCounts"] = issueCounts(1)
	for _, a := range s.st.related(run, "actions") {
		a.Attrs["executionProgress"], a.Attrs["completionStatus"], a.Attrs["finishedDate"] = "COMPLETE", "SUCCEEDED", now
		s.markDirty(a)
	}
}

func issueCounts(warnings int) map[string]any {
	return map[string]any{"analyzerWarnings": 0, "errors": 0, "testFailures": 0, "warnings": warnings}
}

// seedXcodeCloud: the first app's product on a GitHub repository with two branches, a tag
// and an open pull request; a release workflow and a pull request workflow on the current
// macOS and Xcode; three finished runs of the release workflow, each with its actions, the
// newest with its artifacts, test results and a warning.
func seedXcodeCloud(sd seeder, d *demo) {
	if d.n != 0 {
		return
	}
	app := d.app
	provider := sd.add("scmProviders", map[string]any{"scmProviderType": map[string]any{"kind": "GITHUB_CLOUD", "displayName": "GitHub", "isOnPremise": false},
		"url": "https://github.com"})
	repo := sd.add("scmRepositories", map[string]any{"ownerName": "example-labs", "repositoryName": "daybreak",
		"httpCloneUrl": "https://github.com/example-labs/daybreak.git", "sshCloneUrl": "git@github.com:example-labs/daybreak.git",
		"lastAccessedDate": stamp(seedEpoch.Add(-2 * time.Hour))}, "scmProvider", provider)
	main := sd.add("scmGitReferences", map[string]any{"name": "main", "canonicalName": "refs/heads/main", "isDeleted": false, "kind": "BRANCH"}, "repository", repo)
	sd.s.st.link(repo, "defaultBranch", main)
	release := sd.add("scmGitReferences", map[string]any{"name": "release/2.4", "canonicalName": "refs/heads/release/2.4", "isDeleted": false, "kind": "BRANCH"}, "repository", repo)
	sd.add("scmGitReferences", map[string]any{"name": "v2.3.0", "canonicalName": "refs/tags/v2.3.0", "isDeleted": false, "kind": "TAG"}, "repository", repo)
	sd.add("scmPullRequests", map[string]any{"title": "Focus timer follows the lock screen", "number": 412, "webUrl": "https://github.com/example-labs/daybreak/pull/412",
		"sourceRepositoryOwner": "example-labs", "sourceRepositoryName": "daybreak", "sourceBranchName": "focus-lock",
		"destinationRepositoryOwner": "example-labs", "destinationRepositoryName": "daybreak", "destinationBranchName": "main",
		"isClosed": false, "isCrossRepository": false}, "repository", repo)

	macOS := sd.add("ciMacOsVersions", map[string]any{"name": "macOS Sequoia 15.5", "version": "24F74"})
	xcode := sd.add("ciXcodeVersions", map[string]any{"name": "Xcode 16.4", "version": "16F6",
		"testDestinations": []any{map[string]any{"deviceTypeName": "iPhone 16 Pro", "deviceTypeIdentifier": "com.apple.CoreSimulator.SimDeviceType.iPhone-16-Pro",
			"kind": "SIMULATOR", "availableRuntimes": []any{map[string]any{"runtimeName": "iOS 18.5", "runtimeIdentifier": "com.apple.CoreSimulator.SimRuntime.iOS-18-5"}}}}})
	sd.s.st.link(macOS, "xcodeVersions", xcode)

	product := sd.add("ciProducts", map[string]any{"name": "Daybreak Planner", "productType": "APP", "createdDate": stamp(seedEpoch.Add(-300 * day))}, "app", app)
	for _, bid := range sd.s.st.all("bundleIds") {
		if bid.str("identifier") == app.str("bundleId") {
			sd.s.st.link(product, "bundleId", bid)
		}
	}
	sd.s.st.link(product, "primaryRepositories", repo)
	branch := map[string]any{"source": map[string]any{"isAllMatch": false, "patterns": []any{map[string]any{"pattern": "release/", "isPrefix": true}}}, "autoCancel": true}
	releaseWF := sd.add("ciWorkflows", map[string]any{"name": "Release", "description": "Archives release branches for TestFlight.", "isEnabled": true,
		"isLockedForEditing": false, "clean": true, "containerFilePath": "Daybreak.xcodeproj", "branchStartCondition": branch,
		"actions":          []any{map[string]any{"name": "Archive - iOS", "actionType": "ARCHIVE", "platform": "IOS", "scheme": "Daybreak", "isRequiredToPass": true}},
		"lastModifiedDate": stamp(seedEpoch.Add(-40 * day))}, "product", product, "repository", repo, "macOsVersion", macOS, "xcodeVersion", xcode)
	sd.add("ciWorkflows", map[string]any{"name": "Pull Requests", "description": "Builds and tests every pull request.", "isEnabled": true,
		"isLockedForEditing": false, "clean": false, "containerFilePath": "Daybreak.xcodeproj",
		"pullRequestStartCondition": map[string]any{"autoCancel": true, "filesAndFoldersRule": map[string]any{"mode": "START_IF_ANY_FILE_MATCHES", "matchers": []any{}}},
		"actions":                   []any{map[string]any{"name": "Test - iOS", "actionType": "TEST", "platform": "IOS", "scheme": "Daybreak", "isRequiredToPass": true}},
		"lastModifiedDate":          stamp(seedEpoch.Add(-35 * day))}, "product", product, "repository", repo, "macOsVersion", macOS, "xcodeVersion", xcode)

	for i := range 3 {
		started := seedEpoch.Add(-time.Duration(3-i)*50*time.Hour - 20*time.Minute)
		commit := map[string]any{"commitSha": fmt.Sprintf("%040x", 0x5eed0+i), "message": fmt.Sprintf("Release 2.4 candidate %d", i+1),
			"author": map[string]any{"displayName": "Ada Lovelace"}, "webUrl": fmt.Sprintf("https://github.com/example-labs/daybreak/commit/%040x", 0x5eed0+i)}
		run := sd.add("ciBuildRuns", map[string]any{"number": i + 1, "createdDate": stamp(started.Add(-time.Minute)), "startedDate": stamp(started),
			"finishedDate": stamp(started.Add(18 * time.Minute)), "sourceCommit": commit, "isPullRequestBuild": false, "startReason": "GIT_REF_CHANGE",
			"executionProgress": "COMPLETE", "completionStatus": "SUCCEEDED",
			"issueCounts": issueCounts(1)},
			"workflow", releaseWF, "product", product, "sourceBranchOrTag", release)
		if len(d.builds) > i {
			sd.s.st.link(run, "builds", d.builds[len(d.builds)-1-i])
		}
		for k, kind := range []string{"BUILD", "TEST", "ARCHIVE"} {
			warnings := 0
			if kind == "BUILD" {
				warnings = 1
			}
			a := sd.add("ciBuildActions", map[string]any{"name": []string{"Build - iOS", "Test - iOS", "Archive - iOS"}[k], "actionType": kind,
				"startedDate": stamp(started.Add(time.Duration(k) * 5 * time.Minute)), "finishedDate": stamp(started.Add(time.Duration(k+1) * 5 * time.Minute)),
				"executionProgress": "COMPLETE", "completionStatus": "SUCCEEDED", "isRequiredToPass": true,
				"issueCounts": issueCounts(warnings)}, "buildRun", run)
			if i != 2 {
				continue
			}
			switch kind {
			case "BUILD":
				sd.s.st.link(a, "issues", sd.add("ciIssues", map[string]any{"issueType": "WARNING", "category": "Deprecations",
					"message":    "'UIApplication.shared.keyWindow' was deprecated in iOS 13.0",
					"fileSource": map[string]any{"path": "Daybreak/Focus/FocusTimer.swift", "lineNumber": 88}}))
			case "TEST":
				for _, name := range []string{"testTimerSurvivesLock()", "testSyncAcrossDevices()"} {
					sd.s.st.link(a, "testResults", sd.add("ciTestResults", map[string]any{"className": "FocusTimerTests", "name": name, "status": "SUCCESS",
						"fileSource":             map[string]any{"path": "DaybreakTests/FocusTimerTests.swift", "lineNumber": 12},
						"destinationTestResults": []any{map[string]any{"uuid": formatUUIDString("dest/" + name), "deviceName": "iPhone 16 Pro", "osVersion": "18.5", "status": "SUCCESS", "duration": 1.8}}}))
				}
			case "ARCHIVE":
				for _, art := range []struct{ name, kind string }{{"Daybreak.xcarchive.zip", "ARCHIVE"}, {"Daybreak Build Logs.zip", "LOG_BUNDLE"}} {
					sd.s.st.link(a, "artifacts", sd.add("ciArtifacts", map[string]any{"fileName": art.name, "fileType": art.kind, "fileSize": 48_000_000,
						"downloadUrl": "https://example.com/demo-artifacts/" + art.name}))
				}
			}
		}
	}
}
